//! A one-line progress indicator on stderr, redrawn in place while long work runs
//! (`label  done/total  12s, about 30s left`).
//!
//! It is shown by default when stderr is a terminal (`std::io::IsTerminal`), and
//! never with `--quiet` or `--no-progress`; otherwise every call is a no-op, so
//! logs and pipes never see carriage returns. It first appears after [`DELAY`], so
//! work that finishes within about a second prints nothing. It writes to stderr
//! only and nothing it shows reaches an output file, so it cannot affect
//! determinism. The line is cleared when the indicator is dropped.

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

/// How long work runs before the indicator first appears.
pub const DELAY: Duration = Duration::from_secs(1);

/// True when an indicator would be drawn for these options.
pub fn enabled(no_progress: bool, quiet: bool) -> bool {
    !no_progress && !quiet && std::io::stderr().is_terminal()
}

/// The time left, extrapolated from the pace so far; `None` before the first step
/// is done or without a total.
fn eta(done: usize, total: usize, elapsed: Duration) -> Option<Duration> {
    (done > 0 && total > 0 && done <= total)
        .then(|| elapsed.mul_f64((total - done) as f64 / done as f64))
}

/// Seconds as `42s` or `3m05s`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

fn line(s: &Shared, elapsed: Duration) -> String {
    let done = s.done.load(Ordering::Relaxed);
    let took = clock(elapsed);
    match (s.total, eta(done, s.total, elapsed)) {
        (0, _) if done > 0 => format!("{}  {done} done  {took}", s.label),
        (0, _) => format!("{}  {took}", s.label),
        (t, Some(left)) => format!(
            "{}  {done}/{t}  {took}, about {} left",
            s.label,
            clock(left)
        ),
        (t, None) => format!("{}  {done}/{t}  {took}", s.label),
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
            while !s.stop.load(Ordering::Relaxed) && t0.elapsed() < DELAY {
                std::thread::sleep(Duration::from_millis(50));
            }
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
        // --quiet and --no-progress always win; tests run with stderr captured.
        assert!(!enabled(false, true));
        assert!(!enabled(true, false));
        assert!(!enabled(true, true));
    }

    #[test]
    fn line_format() {
        let s = Shared {
            label: "variants".into(),
            total: 4,
            done: AtomicUsize::new(1),
            stop: AtomicBool::new(false),
        };
        assert_eq!(
            line(&s, Duration::from_millis(2500)),
            "variants  1/4  2s, about 7s left"
        );
        assert_eq!(
            line(&s, Duration::from_secs(70)),
            "variants  1/4  1m10s, about 3m30s left"
        );
        s.done.store(0, Ordering::Relaxed);
        assert_eq!(line(&s, Duration::from_secs(3)), "variants  0/4  3s");
        let s = Shared { total: 0, ..s };
        assert_eq!(line(&s, Duration::from_secs(0)), "variants  0s");
        s.done.store(12, Ordering::Relaxed);
        assert_eq!(line(&s, Duration::from_secs(5)), "variants  12 done  5s");
    }
}
