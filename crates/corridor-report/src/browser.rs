//! Headless Chromium for the browser tests of report.html and of the what-if
//! server's page (one launcher for both): finding the binary and running it
//! with a time limit. Test support, not used by the reports themselves.
//!
//! Invariants: a missing Chromium is a skip with a notice outside CI and a
//! failure in CI (`CI` set: CI installs it); a Chromium that does not finish
//! within its limit is killed and reported as an error, so a hang cannot stall
//! a test run.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The flags every headless run uses (no network, no profile prompts).
const FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
];

/// Chromium's path: `/usr/bin/chromium`, else `chromium` or `chromium-browser`
/// on `PATH`; `None` when there is none.
pub fn find_chromium() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

/// [`find_chromium`] for a test of `what`: `None` (after a notice on stderr)
/// when there is none outside CI.
///
/// # Panics
/// When Chromium is missing and `CI` is set: CI installs it, so the browser
/// test must fail there rather than skip.
pub fn chromium_or_skip(what: &str) -> Option<PathBuf> {
    let found = find_chromium();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium not found although CI is set: .ci/run installs it"
        );
        eprintln!("notice: chromium not found; skipping the browser check of {what}");
    }
    found
}

/// Runs Chromium headless with the common flags, the profile directory
/// `profile` and then `args`; returns its stdout. Chromium is killed after
/// `limit` and that is an error (`TimedOut`).
pub fn run_headless(
    bin: &Path,
    profile: &Path,
    args: &[String],
    limit: Duration,
) -> std::io::Result<String> {
    let mut child = Command::new(bin)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    // Read stdout on a thread so a full pipe cannot block Chromium.
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    while child.try_wait()?.is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("chromium did not finish within {limit:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(reader.join().unwrap_or_default())
}
