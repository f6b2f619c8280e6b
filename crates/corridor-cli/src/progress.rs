//! `--progress`: a one-line progress indicator on stderr, redrawn in place while
//! long work runs (`label  done/total  12s`).
//!
//! It is shown only when asked for (`--progress`), without `--quiet`, and when
//! stderr is a terminal (`std::io::IsTerminal`); otherwise every call is a no-op, so logs and
//! pipes never see carriage returns. It writes to stderr only and nothing it
//! shows reaches an output file, so it cannot affect determinism. The line is
//! cleared when the indicator is dropped.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

struct Shared {
    label: String,
    total: usize,
    done: AtomicUsize,
    stop: AtomicBool,
}

/// A running indicator; see the module documentation.
pub struct Progress {
    shared: Option<Arc<Shared>>,
    ticker: Option<JoinHandle<()>>,
}

/// True when an indicator would be drawn for these options.
pub fn enabled(requested: bool, quiet: bool) -> bool {
    requested && !quiet && std::io::stderr().is_terminal()
}

fn line(s: &Shared, elapsed: Duration) -> String {
    let done = s.done.load(Ordering::Relaxed);
    if s.total > 0 {
        format!("{}  {done}/{}  {}s", s.label, s.total, elapsed.as_secs())
    } else {
        format!("{}  {}s", s.label, elapsed.as_secs())
    }
}

impl Progress {
    /// Starts an indicator for `total` steps (0: no count, elapsed time only) when
    /// `show` is true; otherwise an inert one.
    pub fn start(show: bool, label: impl Into<String>, total: usize) -> Progress {
        if !show {
            return Progress {
                shared: None,
                ticker: None,
            };
        }
        let shared = Arc::new(Shared {
            label: label.into(),
            total,
            done: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        let ticker = std::thread::spawn(move || {
            let t0 = Instant::now();
            while !s.stop.load(Ordering::Relaxed) {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2K{}", line(&s, t0.elapsed()));
                let _ = err.flush();
                drop(err);
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        Progress {
            shared: Some(shared),
            ticker: Some(ticker),
        }
    }

    /// One more step done.
    pub fn inc(&self) {
        if let Some(s) = &self.shared {
            s.done.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(s) = &self.shared {
            s.stop.store(true, Ordering::Relaxed);
        }
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inert_unless_shown() {
        let p = Progress::start(false, "x", 3);
        p.inc();
        assert!(p.shared.is_none() && p.ticker.is_none());
        // Tests run with stderr captured or piped, never a terminal here when
        // quiet; and quiet always wins.
        assert!(!enabled(true, true));
        assert!(!enabled(false, false));
    }

    #[test]
    fn line_format() {
        let s = Shared {
            label: "variants".into(),
            total: 4,
            done: AtomicUsize::new(1),
            stop: AtomicBool::new(false),
        };
        assert_eq!(line(&s, Duration::from_millis(2500)), "variants  1/4  2s");
        let s = Shared { total: 0, ..s };
        assert_eq!(line(&s, Duration::from_secs(0)), "variants  0s");
    }
}
