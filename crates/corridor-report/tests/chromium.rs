//! Renders synthetic reports in headless Chromium: the screenshot must not be
//! blank and the page must run without script errors (the page's `window.onerror`
//! writes them to `body[data-errors]`, read back with `--dump-dom`).
//!
//! Skips with a notice when no Chromium is installed (CI installs it). Each
//! Chromium call is killed after 60 s so a hang cannot stall the test run.
//! Set `REPORT_SHOT_DIR` to keep the screenshots.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use corridor_report::{browser, write_report};

const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs Chromium headless with `args` (the shared launcher); returns stdout.
fn run_chromium(bin: &Path, profile: &Path, args: &[String]) -> String {
    browser::run_headless(bin, profile, args, TIMEOUT).expect("run chromium")
}

/// (distinct colours, share of pixels that are not near-white) of a PNG.
fn png_stats(path: &Path) -> (usize, f64) {
    let decoder = png::Decoder::new(fs::File::open(path).expect("screenshot exists"));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(info.bit_depth == png::BitDepth::Eight && channels >= 3);
    let mut colours = std::collections::HashSet::new();
    let (mut total, mut ink) = (0usize, 0usize);
    for px in buf[..info.buffer_size()].chunks(channels) {
        let (r, g, b) = (px[0], px[1], px[2]);
        colours.insert((r, g, b));
        total += 1;
        if r < 235 || g < 235 || b < 235 {
            ink += 1;
        }
    }
    (colours.len(), ink as f64 / total.max(1) as f64)
}

fn dom_errors(dom: &str) -> Option<String> {
    let i = dom.find("data-errors=\"")?;
    let rest = &dom[i + 13..];
    Some(rest[..rest.find('"').unwrap_or(rest.len())].to_string())
}

fn check(bin: &Path, name: &str, make: impl FnOnce(&Path)) {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    make(&run);
    let report = write_report(&run).unwrap();
    let url = format!("file://{}", report.display());
    let shot = tmp.path().join("shot.png");
    run_chromium(
        bin,
        &tmp.path().join("profile"),
        &[
            "--window-size=1280,2000".into(),
            format!("--screenshot={}", shot.display()),
            url.clone(),
        ],
    );
    let (colours, ink) = png_stats(&shot);
    if let Some(dir) = std::env::var_os("REPORT_SHOT_DIR") {
        fs::create_dir_all(&dir).unwrap();
        fs::copy(&shot, Path::new(&dir).join(format!("{name}.png"))).unwrap();
        fs::copy(&report, Path::new(&dir).join(format!("{name}.html"))).unwrap();
    }
    assert!(colours > 100, "{name}: only {colours} distinct colours");
    assert!(ink > 0.01, "{name}: {:.1}% non-white pixels", ink * 100.0);
    let dom = run_chromium(
        bin,
        &tmp.path().join("profile"),
        &[
            "--virtual-time-budget=3000".into(),
            "--dump-dom".into(),
            url,
        ],
    );
    assert!(
        dom.contains("id=\"map-svg\"") || !dom.contains("map-data"),
        "{name}"
    );
    assert_eq!(dom_errors(&dom), None, "{name}: script errors");
    // The slider script ran: the controls are no longer hidden.
    if dom.contains("id=\"map-data\"") {
        assert!(
            !dom.contains("<div id=\"map-controls\" hidden"),
            "{name}: slider not initialised"
        );
    }
}

/// Chromium, if installed: a skip outside CI, a failure in CI (the shared
/// launcher's rule).
fn chromium_or_skip() -> Option<PathBuf> {
    browser::chromium_or_skip("report.html")
}

#[test]
fn reports_render_in_chromium_without_errors() {
    let Some(bin) = chromium_or_skip() else {
        return;
    };
    check(&bin, "flee_run", |d| common::flee_run(d, 80));
    check(&bin, "corridor_run", |d| {
        common::corridor_run(d, "mexico-corridor", 1.0)
    });
    check(&bin, "ensemble", |d| {
        common::corridor_ensemble(d, "mexico-corridor", 1.0)
    });
    check(&bin, "compare", common::compare_dir);
}

#[test]
fn script_errors_are_detected() {
    let Some(bin) = chromium_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    common::corridor_run(&run, "mexico-corridor", 1.0);
    let report = write_report(&run).unwrap();
    let html = fs::read_to_string(&report).unwrap();
    let broken = html.replacen(
        "</body>",
        "<script>undefinedFunction42();</script></body>",
        1,
    );
    fs::write(&report, broken).unwrap();
    let dom = run_chromium(
        &bin,
        &tmp.path().join("profile"),
        &[
            "--virtual-time-budget=3000".into(),
            "--dump-dom".into(),
            format!("file://{}", report.display()),
        ],
    );
    let errors = dom_errors(&dom).expect("data-errors set");
    assert!(errors.contains("undefinedFunction42"), "{errors}");
}

#[test]
fn slider_resizes_nodes() {
    let Some(bin) = chromium_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    common::flee_run(&run, 80);
    let report = write_report(&run).unwrap();
    let html = fs::read_to_string(&report).unwrap();
    // Move the slider to frame 20 (= day 20: 80 days give 80 frames).
    let moved = html.replacen(
        "</body>",
        "<script>var s=document.getElementById('map-day');s.value='20';\
         s.dispatchEvent(new Event('input'));</script></body>",
        1,
    );
    fs::write(&report, moved).unwrap();
    let dom = run_chromium(
        &bin,
        &tmp.path().join("profile"),
        &[
            "--virtual-time-budget=3000".into(),
            "--dump-dom".into(),
            format!("file://{}", report.display()),
        ],
    );
    assert_eq!(dom_errors(&dom), None);
    assert!(
        dom.contains("id=\"map-day-label\">2012-03-20<"),
        "day label"
    );
    // Mbera on day 20: 20000·(1 − e^(−20/25)) = 11,013 people; its radius is
    // 22 px · √(11013 / 19151) (19,151 = the largest count on any day).
    let mbera = &dom[dom.find("data-label=\"Mbera").expect("Mbera node")..];
    let mbera = &mbera[..mbera.find("</g>").unwrap()];
    assert!(mbera.contains("11,013 people on 2012-03-20"), "{mbera}");
    let r = 22.0 * (11013.0f64 / 19151.0).sqrt();
    assert!(mbera.contains(&format!("r=\"{r:.1}\"")), "{mbera}");
}
