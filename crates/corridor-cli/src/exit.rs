//! Exit codes: 0 success, 2 bad input, 1 any other failure. Bad input is a
//! `corridor::Error` anywhere in the error chain that `is_bad_input()` (a
//! reader's complaint, a missing path, an unknown variant, a scenario the engine
//! cannot run, a bad option or parameter), or bad use of the command line (clap
//! itself exits with 2 on usage errors).

pub const OK: u8 = 0;
pub const FAILURE: u8 = 1;
pub const BAD_INPUT: u8 = 2;

/// The exit code for an error: 2 when any cause is bad input, otherwise 1.
pub fn code(err: &anyhow::Error) -> u8 {
    let bad = err.chain().any(|c| {
        c.downcast_ref::<corridor::Error>()
            .is_some_and(corridor::Error::is_bad_input)
    });
    if bad {
        BAD_INPUT
    } else {
        FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn bad_input_maps_to_two_even_under_context() {
        let missing = corridor::load(Some(std::path::Path::new("no/such/dir"))).unwrap_err();
        let e = anyhow::Error::new(missing).context("while testing");
        assert_eq!(code(&e), BAD_INPUT);
        assert_eq!(
            format!("{e:#}"),
            "while testing: no/such/dir: no such file or directory"
        );
        assert_eq!(code(&anyhow::anyhow!("disk full")), FAILURE);
        let r: anyhow::Result<()> = Err(std::io::Error::other("disk full")).context("writing");
        assert_eq!(code(&r.unwrap_err()), FAILURE);
    }
}
