//! The what-if page in a real browser: `corridor serve` on a small scenario,
//! headless Chromium loads the page with a test hook that moves the containment
//! slider like a user, waits for the new answer and clicks "Save as variant".
//! The levers are dated (from day 11), so the server branches their members
//! from the baseline's member states.
//! The chart must have changed, and the admitted total the page shows must equal
//! `corridor ensemble --engine counts --runs N --variant-file <the saved TOML>`
//! (the full answer's: each change is first answered with a labelled first
//! look of fewer members, whose label must have appeared and gone again).
//!
//! Outside CI a machine without Chromium skips with a notice; in CI (`CI` set)
//! its absence is a failure (.ci/run installs it); the launcher is corridor-report's
//! (`corridor_report::browser`). Chromium is killed after
//! 120 s, the server when the test ends. Set `SERVE_SHOT` to a PNG path to keep
//! a screenshot of the page.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const MEMBERS: &str = "4";
const DAYS: &str = "30";
const POLICY_FROM: &str = "2023-12-12";

fn chromium_or_skip() -> Option<PathBuf> {
    corridor_report::browser::chromium_or_skip("corridor serve")
}

/// The server, stopped when dropped: SIGTERM (so that it removes its work
/// directory), killed if it has not ended within 30 s.
struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!("kill -TERM {}", self.0.id()))
            .status();
        let start = std::time::Instant::now();
        while matches!(self.0.try_wait(), Ok(None)) && start.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/variants")
}

fn start_server() -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args(["serve", "--port", "0", "--members", MEMBERS])
        .arg(example())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start corridor serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    (Server(child), url)
}

/// Chromium headless through corridor-report's launcher, with a virtual time
/// budget for the page's requests; killed after 120 s.
fn chromium(bin: &Path, profile: &Path, args: &[String]) -> String {
    let mut all = vec!["--virtual-time-budget=120000".to_string()];
    all.extend_from_slice(args);
    corridor_report::browser::run_headless(bin, profile, &all, Duration::from_secs(120))
        .expect("run chromium")
}

/// The value of attribute `attr` on the `<body>` of a dumped DOM.
fn body_attr(dom: &str, attr: &str) -> Option<String> {
    let body = &dom[dom.find("<body")?..];
    let body = &body[..body.find('>')?];
    let i = body.find(&format!("{attr}=\""))? + attr.len() + 2;
    Some(unescape(&body[i..i + body[i..].find('"')?]))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn moving_a_slider_changes_the_chart_and_the_numbers_equal_the_cli() {
    let Some(bin) = chromium_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (_server, url) = start_server();
    // Levers from 12 Dec (day 11 of the example): the page's answers branch
    // from the baseline's member states at that day (`corridor serve`'s
    // cache), and must still equal the CLI's full runs.
    let page = format!(
        "{url}#s=%7B%22days%22%3A{DAYS}%2C%22policy_from%22%3A%22{POLICY_FROM}%22%7D&selftest=containment:0.2"
    );
    let dom = chromium(
        &bin,
        &tmp.path().join("profile"),
        &["--dump-dom".into(), page.clone()],
    );
    assert_eq!(
        body_attr(&dom, "data-errors").as_deref(),
        Some(""),
        "script errors"
    );
    assert_eq!(
        body_attr(&dom, "data-selftest").as_deref(),
        Some("done"),
        "the test hook did not finish:\n{}",
        &dom[..dom.len().min(3000)]
    );
    // A first look (the first members of the 4) came before each of the two
    // full answers, labelled, and the label went once the full one came.
    let looks: usize = body_attr(&dom, "data-looks")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(looks >= 2, "{looks} first looks drawn");
    let label = body_attr(&dom, "data-look-label").unwrap_or_default();
    assert!(
        label.starts_with("first look: ") && label.contains(&format!(" of {MEMBERS} members")),
        "{label}"
    );
    let look = &dom[dom.find("id=\"look\"").expect("the first-look label")..];
    let look = &look[..look.find('>').unwrap()];
    assert!(
        look.contains("hidden"),
        "the label stays after the full answer: {look}"
    );
    let before = body_attr(&dom, "data-chart-before").unwrap();
    let after = body_attr(&dom, "data-chart-after").unwrap();
    assert!(!before.is_empty());
    assert_ne!(before, after, "moving the slider did not change the chart");
    // The answer in one sentence: none before the move (the baseline
    // itself), a dated one after; and the paired difference is drawn.
    let headline = |a| body_attr(&dom, a).unwrap_or_default();
    assert!(
        headline("data-headline-before").starts_with("No difference from the baseline"),
        "{}",
        headline("data-headline-before")
    );
    assert!(
        headline("data-headline-after").starts_with("By "),
        "{}",
        headline("data-headline-after")
    );
    assert!(body_attr(&dom, "data-diff-after").is_some_and(|d| d.starts_with('M')));
    // The chart's select switches it to the admitted (another series).
    let admitted = body_attr(&dom, "data-diff-admitted").unwrap_or_default();
    assert!(admitted.starts_with('M'), "{admitted}");

    // What the page shows after the move, and the TOML it saved.
    let row = &dom[dom.find("id=\"total-admitted\"").expect("admitted row")..];
    let i = row.find("data-v=\"").unwrap() + 8;
    let shown: f64 = row[i..i + row[i..].find('"').unwrap()].parse().unwrap();
    let t = &dom[dom.find("id=\"toml\"").unwrap()..];
    let t = &t[t.find('>').unwrap() + 1..];
    let toml = unescape(&t[..t.find("</div>").unwrap()]);
    assert!(toml.contains("factor = 0.2"), "{toml}");
    assert!(toml.contains(POLICY_FROM), "the levers' date: {toml}");
    let vf = tmp.path().join("levers.toml");
    std::fs::write(&vf, &toml).unwrap();
    let out = tmp.path().join("ens");
    let st = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args([
            "ensemble", "--engine", "counts", "--runs", MEMBERS, "--days", DAYS, "--quiet",
        ])
        .arg(example())
        .arg("--variant-file")
        .arg(&vf)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let csv = std::fs::read_to_string(out.join("totals_stats.csv")).unwrap();
    let last = csv
        .lines()
        .rfind(|l| l.split(',').nth(2) == Some("admitted"))
        .unwrap();
    let p50: f64 = last.split(',').nth(6).unwrap().parse().unwrap();
    // The example's hasten is 1: people = agents.
    assert!((shown - p50).abs() < 1e-6, "page {shown} vs CLI {p50}");

    if let Some(shot) = std::env::var_os("SERVE_SHOT") {
        chromium(
            &bin,
            &tmp.path().join("profile2"),
            &[
                "--window-size=1400,1800".into(),
                format!("--screenshot={}", PathBuf::from(shot).display()),
                page,
            ],
        );
    }
}
