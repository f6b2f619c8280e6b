//! Printing to the terminal: warnings go to stderr as `warning: ...`, everything
//! is silenced by `--quiet`; and every line corridor prints passes through
//! [`clean`], which removes terminal escape sequences (ANSI/CSI colours, OSC titles
//! and hyperlinks) and other control characters, because names come from input
//! files and a name must not be able to rewrite the user's terminal.

/// Prints each warning as `warning: <text>` on stderr unless `quiet`.
pub fn print_warnings<S: AsRef<str>>(warnings: &[S], quiet: bool) {
    if quiet {
        return;
    }
    for w in warnings {
        eprintln!("warning: {}", clean(w.as_ref()));
    }
}

/// An error and its causes as one line, `outer: cause: cause`, cleaned. A cause
/// whose text the line already ends with is left out: the library's errors
/// quote their source in their own message (`cannot write x: No space left`)
/// and also return it as `source()`, which `{:#}` would print twice.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.is_empty() {
            line = text;
        } else if !line.ends_with(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    clean(&line)
}

/// `println!` with the text passed through [`clean`].
#[macro_export]
macro_rules! outln {
    () => {
        println!()
    };
    ($($arg:tt)*) => {
        println!("{}", $crate::warn::clean(&format!($($arg)*)))
    };
}

/// `text` without escape sequences and control characters (line breaks and tabs
/// are kept). ESC starts a sequence: CSI (`ESC [` … final byte `@`–`~`), OSC,
/// DCS, SOS, PM and APC (`ESC ]`, `P`, `X`, `^`, `_` … up to BEL or `ESC \`), or a
/// two-character escape; the 8-bit forms (U+009B CSI, U+009D OSC, …) likewise.
pub fn clean(text: &str) -> String {
    #[derive(PartialEq)]
    enum St {
        Text,
        Esc,
        Csi,
        /// A string sequence (OSC, DCS, …) until BEL or ST.
        Str,
        StrEsc,
    }
    let mut out = String::with_capacity(text.len());
    let mut st = St::Text;
    for c in text.chars() {
        st = match st {
            St::Text => match c {
                '\u{1b}' => St::Esc,
                '\u{9b}' => St::Csi,
                '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => St::Str,
                '\n' | '\t' => {
                    out.push(c);
                    St::Text
                }
                c if c.is_control() => St::Text,
                c => {
                    out.push(c);
                    St::Text
                }
            },
            St::Esc => match c {
                '[' => St::Csi,
                ']' | 'P' | 'X' | '^' | '_' => St::Str,
                _ => St::Text,
            },
            St::Csi => {
                if ('@'..='~').contains(&c) {
                    St::Text
                } else {
                    St::Csi
                }
            }
            St::Str => match c {
                '\u{7}' | '\u{9c}' => St::Text,
                '\u{1b}' => St::StrEsc,
                _ => St::Str,
            },
            St::StrEsc => {
                if c == '\\' {
                    St::Text
                } else {
                    St::Str
                }
            }
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{clean, error_text};

    /// An error like the library's: its message quotes its source, which it
    /// also returns as `source()`.
    #[derive(Debug)]
    struct Quoting(std::io::Error);

    impl std::fmt::Display for Quoting {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "cannot create output directory /x: {}", self.0)
        }
    }

    impl std::error::Error for Quoting {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn an_error_quoting_its_source_reads_once() {
        let io = || std::io::Error::from(std::io::ErrorKind::NotFound);
        let e = anyhow::Error::new(Quoting(io())).context("output directory");
        assert_eq!(
            error_text(&e),
            format!(
                "output directory: cannot create output directory /x: {}",
                io()
            )
        );
        // A cause that is not quoted is kept; the line is cleaned.
        let e = anyhow::Error::new(io()).context("writing \u{1b}[31mred");
        assert_eq!(error_text(&e), format!("writing red: {}", io()));
    }

    #[test]
    fn escapes_and_controls_are_removed_text_is_kept() {
        assert_eq!(clean("Tapachula"), "Tapachula");
        assert_eq!(clean("Ciudad Juárez\tx\ny"), "Ciudad Juárez\tx\ny");
        assert_eq!(clean("\u{1b}[31mred\u{1b}[0m"), "red");
        assert_eq!(clean("a\u{1b}]0;pwned title\u{7}b"), "ab");
        assert_eq!(
            clean("\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\"),
            "link"
        );
        assert_eq!(clean("x\u{9b}2Jy"), "xy");
        assert_eq!(clean("bell\u{7}\rcr\u{8}"), "bellcr");
        assert_eq!(clean("\u{1b}c reset"), " reset");
    }
}
