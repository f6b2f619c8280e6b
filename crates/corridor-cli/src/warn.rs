//! Printing of warnings and progress notes: warnings go to stderr as
//! `warning: ...`, everything is silenced by `--quiet`.

/// Prints each warning as `warning: <text>` on stderr unless `quiet`.
pub fn print_warnings<S: AsRef<str>>(warnings: &[S], quiet: bool) {
    if quiet {
        return;
    }
    for w in warnings {
        eprintln!("warning: {}", w.as_ref());
    }
}
