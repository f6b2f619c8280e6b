//! End-to-end tests of the report on synthetic run directories: structure
//! snapshots, self-containment (no external requests), determinism, escaping,
//! errors that name the file, and the numbers shown.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use corridor_report::{detect, render_report, write_report, DirKind, ReportError};

/// Positions of every match of `pat` in `s`.
fn find_all<'a>(s: &'a str, pat: &'a str) -> impl Iterator<Item = usize> + 'a {
    s.match_indices(pat).map(|(i, _)| i)
}

/// Text from `start` up to the next `end`.
fn text_at(s: &str, start: usize, end: &str) -> String {
    let rest = &s[start..];
    rest[..rest.find(end).unwrap_or(rest.len())].to_string()
}

/// The report's structure: sections, headings and figure titles in order, and
/// counts of the drawn elements. Numbers inside charts are left out on purpose.
fn structure(html: &str) -> String {
    let mut items: Vec<(usize, String)> = Vec::new();
    for i in find_all(html, "<section id=\"") {
        items.push((i, format!("section #{}", text_at(html, i + 13, "\""))));
    }
    for i in find_all(html, "<h2>") {
        items.push((i, format!("  h2 {}", text_at(html, i + 4, "</h2>"))));
    }
    for i in find_all(html, "<h3") {
        let after = i + html[i..].find('>').unwrap() + 1;
        items.push((i, format!("  h3 {}", text_at(html, after, "</h3>"))));
    }
    for i in find_all(html, "<figcaption>") {
        items.push((
            i,
            format!("    figure {}", text_at(html, i + 12, "</figcaption>")),
        ));
    }
    items.sort();
    let mut out: Vec<String> = items.into_iter().map(|x| x.1).collect();
    for (label, pat) in [
        ("svg", "<svg"),
        ("line", "<path class=\"line"),
        ("band", "<path class=\"band\""),
        ("bar", "<rect class=\"bar\""),
        ("whisker", "<path class=\"whisker\""),
        ("map node", "<g class=\"node\""),
        ("map link", "<line class=\"link\""),
        ("map label", "<text class=\"label\""),
        ("table", "<table"),
        ("script", "<script"),
    ] {
        out.push(format!("count {label}: {}", html.matches(pat).count()));
    }
    out.join("\n")
}

fn render(dir: &Path) -> String {
    render_report(dir).unwrap_or_else(|e| panic!("render failed: {e}"))
}

fn flee_dir() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    flee_run(t.path(), 80);
    t
}

fn corridor_dir() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    corridor_run(t.path(), "mexico-corridor", 1.0);
    t
}

fn ensemble_dir() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    corridor_ensemble(t.path(), "mexico-corridor", 1.0);
    t
}

fn compare_root() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    compare_dir(t.path());
    t
}

#[test]
fn detects_each_kind_of_directory() {
    assert_eq!(detect(flee_dir().path()).unwrap(), DirKind::Run);
    assert_eq!(detect(corridor_dir().path()).unwrap(), DirKind::Run);
    assert_eq!(detect(ensemble_dir().path()).unwrap(), DirKind::Ensemble);
    assert_eq!(detect(compare_root().path()).unwrap(), DirKind::Compare);
}

#[test]
fn flee_run_structure() {
    let d = flee_dir();
    insta::assert_snapshot!("flee_run", structure(&render(d.path())));
}

#[test]
fn corridor_run_structure() {
    let d = corridor_dir();
    insta::assert_snapshot!("corridor_run", structure(&render(d.path())));
}

#[test]
fn ensemble_structure() {
    let d = ensemble_dir();
    insta::assert_snapshot!("ensemble", structure(&render(d.path())));
}

#[test]
fn compare_structure() {
    let d = compare_root();
    insta::assert_snapshot!("compare", structure(&render(d.path())));
}

/// Everything that could make a browser fetch something.
fn external_requests(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    for pat in [
        "http://",
        "https://",
        "//",
        "<link",
        "<script src",
        "@import",
        "fetch(",
        "xmlhttprequest",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "@font-face",
        "sendbeacon",
        "websocket",
    ] {
        if lower.contains(pat) {
            found.push(pat.to_string());
        }
    }
    // src=, href= and url() may only point inside the page.
    for attr in [" src=", " href=", " xlink:href=", "url("] {
        for (i, _) in lower.match_indices(attr) {
            let rest = lower[i + attr.len()..].trim_start_matches(['"', '\'']);
            if !rest.starts_with('#') {
                found.push(format!("{attr}{}", &rest[..rest.len().min(30)]));
            }
        }
    }
    found
}

#[test]
fn reports_make_no_external_request() {
    for d in [flee_dir(), corridor_dir(), ensemble_dir(), compare_root()] {
        let html = render(d.path());
        assert_eq!(external_requests(&html), Vec::<String>::new());
        // A CSP forbids any load the checks above might miss.
        assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    }
    // The checker itself notices each kind of external reference.
    for bad in [
        "<script src=\"x.js\"></script>",
        "<link rel=stylesheet href=\"a.css\">",
        "<style>@import 'a.css';</style>",
        "<div style=\"background:url(a.png)\"></div>",
        "<a href=\"https://example.org\">x</a>",
        "<script>fetch('x')</script>",
    ] {
        assert!(!external_requests(bad).is_empty(), "{bad}");
    }
}

#[test]
fn output_is_deterministic_and_independent_of_the_directory() {
    let a = corridor_dir();
    let b = corridor_dir();
    let ha = render(a.path());
    assert_eq!(ha, render(a.path()));
    assert_eq!(ha, render(b.path()));
    let path = a.path().to_string_lossy().to_string();
    assert!(!ha.contains(&path));
    let c1 = compare_root();
    let c2 = compare_root();
    assert_eq!(render(c1.path()), render(c2.path()));
}

#[test]
fn write_report_writes_atomically_and_re_renders() {
    let d = flee_dir();
    let p = write_report(d.path()).unwrap();
    assert_eq!(p, d.path().join("report.html"));
    let first = fs::read_to_string(&p).unwrap();
    assert_eq!(first, render(d.path()));
    // No temporary file is left behind, and re-rendering with report.html
    // present gives the same bytes.
    let names: Vec<String> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
    write_report(d.path()).unwrap();
    assert_eq!(fs::read_to_string(&p).unwrap(), first);
}

#[test]
fn missing_required_files_are_named() {
    let d = corridor_dir();
    fs::remove_file(d.path().join("summary.json")).unwrap();
    let e = render_report(d.path()).unwrap_err();
    assert!(matches!(e, ReportError::MissingFile { .. }), "{e}");
    assert!(e.to_string().contains("summary.json"), "{e}");

    let d = corridor_dir();
    fs::remove_file(d.path().join("daily.csv")).unwrap();
    let e = render_report(d.path()).unwrap_err();
    assert!(e.to_string().contains("daily.csv"), "{e}");

    let d = ensemble_dir();
    fs::remove_file(d.path().join("daily_stats.csv")).unwrap();
    let e = render_report(d.path()).unwrap_err();
    assert!(e.to_string().contains("daily_stats.csv"), "{e}");

    let empty = tempfile::tempdir().unwrap();
    let e = render_report(empty.path()).unwrap_err();
    assert!(matches!(e, ReportError::NotARunDirectory { .. }), "{e}");

    let c = compare_root();
    fs::remove_dir_all(c.path().join("ports_closed")).unwrap();
    let e = render_report(c.path()).unwrap_err();
    assert!(e.to_string().contains("ports_closed"), "{e}");
}

#[test]
fn bad_values_name_file_line_and_column() {
    let d = corridor_dir();
    let p = d.path().join("daily.csv");
    let text = fs::read_to_string(&p).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Line 4 of the file (header is line 1): population becomes text.
    let mut cells: Vec<String> = lines[3].split(',').map(str::to_string).collect();
    cells[4] = "many".into();
    lines[3] = cells.join(",");
    fs::write(&p, lines.join("\n")).unwrap();
    let e = render_report(d.path()).unwrap_err();
    match &e {
        ReportError::BadValue { line, column, .. } => {
            assert_eq!(*line, 4);
            assert_eq!(column, "population");
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(
        e.to_string()
            .contains("daily.csv, line 4, column `population`"),
        "{e}"
    );

    let d = corridor_dir();
    fs::write(
        d.path().join("ports.csv"),
        "day,date,queue\n0,2023-10-01,5\n",
    )
    .unwrap();
    let e = render_report(d.path()).unwrap_err();
    assert!(
        e.to_string().contains("ports.csv: missing column `port`"),
        "{e}"
    );

    let d = corridor_dir();
    fs::write(d.path().join("summary.json"), "{\"scenario\": ").unwrap();
    let e = render_report(d.path()).unwrap_err();
    assert!(e.to_string().contains("summary.json: invalid JSON"), "{e}");

    let c = compare_root();
    fs::write(c.path().join("compare.json"), "{\"variants\": 3}").unwrap();
    let e = render_report(c.path()).unwrap_err();
    assert!(
        e.to_string().contains("compare.json: field `variants`"),
        "{e}"
    );
}

#[test]
fn missing_optional_files_omit_their_sections() {
    let d = corridor_dir();
    let full = render(d.path());
    for id in [
        "network",
        "ports",
        "monthly",
        "interceptions",
        "populations",
    ] {
        assert!(full.contains(&format!("<section id=\"{id}\"")), "{id}");
    }
    for f in ["ports.csv", "monthly.csv", "network.json"] {
        fs::remove_file(d.path().join(f)).unwrap();
    }
    let html = render(d.path());
    for id in ["network", "ports", "monthly"] {
        assert!(!html.contains(&format!("<section id=\"{id}\"")), "{id}");
    }
    assert!(html.contains("<section id=\"interceptions\""));
    // Without network.json there is no map and no slider script.
    assert!(!html.contains("map-data"));
    assert_eq!(html.matches("<script").count(), 1);
}

#[test]
fn a_run_without_days_still_renders() {
    let d = corridor_dir();
    let p = d.path().join("daily.csv");
    let header = fs::read_to_string(&p)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    fs::write(&p, header + "\n").unwrap();
    for f in ["ports.csv", "monthly.csv"] {
        fs::remove_file(d.path().join(f)).unwrap();
    }
    let html = render(d.path());
    assert!(html.contains("<section id=\"summary\""));
    assert!(html.contains("<section id=\"network\""));
    assert!(!html.contains("<section id=\"populations\""));
    // A static map: no slider data, no slider script.
    assert!(!html.contains("map-data"));
}

#[test]
fn empty_statistics_read_as_gaps() {
    // Ensemble writers leave undefined statistics (NaN) empty.
    let d = ensemble_dir();
    let p = d.path().join("daily_stats.csv");
    let text = fs::read_to_string(&p).unwrap();
    let out: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 1 {
                let mut c: Vec<&str> = l.split(',').collect();
                c[6] = "";
                c[9] = "";
                c.join(",")
            } else {
                l.to_string()
            }
        })
        .collect();
    fs::write(&p, out.join("\n")).unwrap();
    let html = render(d.path());
    assert!(html.contains("<section id=\"populations\""));
    assert!(!html.contains("NaN"));
    // The final totals of summary.json: median, 5th–95th percentile, mean.
    let spawned = row_cells(&html, "spawned");
    assert_eq!(spawned, ["250,100", "248,500–251,400", "250,000"]);
}

#[test]
fn extra_columns_are_ignored() {
    let d = corridor_dir();
    let before = render(d.path());
    for f in ["daily.csv", "ports.csv", "monthly.csv"] {
        let p = d.path().join(f);
        let text = fs::read_to_string(&p).unwrap();
        let out: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    format!("{l},extra")
                } else {
                    format!("{l},x")
                }
            })
            .collect();
        fs::write(&p, out.join("\n")).unwrap();
    }
    assert_eq!(render(d.path()), before);
}

#[test]
fn data_strings_cannot_inject_html() {
    let d = corridor_dir();
    let evil = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    for f in ["daily.csv", "ports.csv", "network.json"] {
        let p = d.path().join(f);
        let text = fs::read_to_string(&p).unwrap();
        let name = if f.ends_with(".csv") {
            format!("\"{}\"", evil.replace('"', "\"\""))
        } else {
            serde_json::to_string(evil)
                .unwrap()
                .trim_matches('"')
                .to_string()
        };
        fs::write(&p, text.replace("El Paso port", &name)).unwrap();
    }
    let p = d.path().join("summary.json");
    let mut s: serde_json::Value = serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap();
    s["scenario"] = evil.into();
    s["warnings"] = serde_json::json!([evil]);
    fs::write(&p, s.to_string()).unwrap();
    let html = render(d.path());
    assert!(!html.contains("<img"));
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img"));
    // Only the page's own scripts: error recorder, map data, map slider.
    assert_eq!(html.matches("<script").count(), 3);
    assert_eq!(html.matches("</script>").count(), 3);
}

/// The text of the first table row whose header cell is `row`.
fn row_cells(html: &str, row: &str) -> Vec<String> {
    let key = format!("<th scope=\"row\">{row}</th>");
    let i = html.find(&key).unwrap_or_else(|| panic!("no row {row}"));
    let rest = &html[i + key.len()..];
    let end = rest.find("</tr>").unwrap();
    rest[..end]
        .split("<td")
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').unwrap() + 1..];
            c.trim_end_matches("</td>").to_string()
        })
        .collect()
}

#[test]
fn shows_the_numbers_of_the_files() {
    let html = render(flee_dir().path());
    assert!(html.contains("<div class=\"v\">0.412</div><div class=\"k\">ARD</div>"));
    assert!(html.contains("<div class=\"v\">0.305</div><div class=\"k\">rescaled ARD</div>"));
    assert!(html.contains("<h1>mali2012 (synthetic)</h1>"));
    assert!(html.contains("29 Feb 2012 – 18 May 2012"));
    // Peak of Mbera over 80 days: 20000·(1 − e^(−79/25)), rounded.
    let mbera = row_cells(&html, "Mbera");
    assert_eq!(
        mbera[1],
        format!(
            "{}",
            group((20000.0 * (1.0 - (-79.0f64 / 25.0).exp())).round())
        )
    );
    assert!(html.contains("simsetting key `start_on_foot` is not supported"));

    let html = render(corridor_dir().path());
    // El Paso admits 120 a day except on the 10 closed days.
    let el_paso = row_cells(&html, "El Paso port");
    assert_eq!(el_paso[1], "13,200"); // admitted
    assert_eq!(el_paso[2], "9,900"); // by appointment: round(0.75·120) = 90 × 110 days
    assert_eq!(el_paso[5], "110 of 120"); // days open
    let peak_queue = 300.0 + 5.0 * 119.0;
    assert_eq!(el_paso[0], group(peak_queue));
    // Encounters between ports, El Paso sector: Σ (100 + (d mod 7)·5) over 120 days.
    let total: f64 = (0..120).map(|d| 100.0 + (d % 7) as f64 * 5.0).sum();
    let sector = row_cells(&html, "U.S. Border Patrol");
    assert_eq!(sector[0], "El Paso");
    assert_eq!(sector[1], group(total));

    let html = render(compare_root().path());
    // compare.json key numbers with differences against the baseline.
    let admitted = row_cells(&html, "admitted");
    assert!(
        admitted[1].starts_with("20,000<span class=\"delta\">−20,000 (−50.0%)"),
        "{admitted:?}"
    );
    assert!(admitted[2].starts_with("60,000"), "{admitted:?}");
    // An ensemble variant: the paired difference with its band, beyond noise.
    assert!(
        admitted[2].contains("+20,000 (+15,000 to +25,000)<br><span class=\"real\">beyond noise"),
        "{admitted:?}"
    );
    let peak = row_cells(&html, "peak waiting at border");
    assert!(
        peak[2].contains("−100 (−500 to +300)<br><span class=\"noise\">within noise"),
        "{peak:?}"
    );
    assert!(
        row_cells(&html, "encountered")[2].contains("no change in any run"),
        "{html}"
    );
    // The common window, in words.
    assert!(html.contains("Peaks and waits are measured from 15 Oct 2023"));
    // Difference-from-baseline charts: one line and band per variant that has them.
    assert!(html.contains("People waiting at the border: difference from “baseline”"));
    assert!(html.contains("People admitted at ports, cumulative: difference from “baseline”"));
    assert!(!html.contains("People encountered between ports, cumulative: difference"));
    // What compare.json says, nothing recomputed from the variants' files.
    let events = row_cells(&html, "interception events");
    assert!(events[1].starts_with("8,500"), "{events:?}");
    assert!(events[2].contains("6,500–7,500"), "{events:?}");
    assert!(!html.contains("From each variant"));
}

#[test]
fn per_day_tables_in_agents_are_shown_in_people() {
    // daily.csv and ports.csv count agents; with hasten 10 the report shows ten
    // times as many people, and the same mean wait.
    let dir = corridor_dir();
    let one = render(dir.path());
    let path = dir.path().join("summary.json");
    let mut s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    s["hasten"] = 10.into();
    std::fs::write(&path, s.to_string()).unwrap();
    let ten = render(dir.path());
    let (a, b) = (
        row_cells(&one, "El Paso port"),
        row_cells(&ten, "El Paso port"),
    );
    assert_eq!((a[1].as_str(), b[1].as_str()), ("13,200", "132,000"));
    assert_eq!((a[2].as_str(), b[2].as_str()), ("9,900", "99,000"));
    assert_eq!(a[4], b[4]); // mean wait (days)
    assert_eq!(a[5], b[5]); // days open
}

#[test]
fn top_cards_are_the_key_numbers_of_summary_json() {
    let html = render(corridor_dir().path());
    let card = |v: &str, k: &str| format!("<div class=\"v\">{v}</div><div class=\"k\">{k}</div>");
    for (v, k) in [
        (
            "12,500",
            "peak people waiting at the border (on 4 Oct 2023)",
        ),
        ("40,000", "people admitted at ports"),
        ("30,000", "people encountered between ports"),
        ("5,000", "people intercepted at checkpoints"),
        (
            "8,000",
            "interceptions at checkpoints (events: a person can be intercepted again)",
        ),
        (
            "≥ 14",
            "days waited by the longest-waiting 10% of those admitted",
        ),
        ("6,000", "people waiting at the border at the end"),
    ] {
        assert!(html.contains(&card(v, k)), "{v} {k}");
    }
    // A Flee instance: its people, camps and fit, not zeros of the border.
    let html = render(flee_dir().path());
    assert!(html.contains(&card("41,000", "people created")));
    assert!(html.contains(&card("30,000", "people in camps on the last day")));
    assert!(html.contains(&card("0.412", "fit to camp data (ARD, lower is better)")));
    assert!(!html.contains("removed (reached a sink)"));
}

fn group(v: f64) -> String {
    let s = (v.round() as u64).to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn long_runs_are_downsampled() {
    let d = tempfile::tempdir().unwrap();
    flee_run(d.path(), 2000);
    let html = render(d.path());
    for (i, _) in html.match_indices("<path class=\"line") {
        let rest = &html[i..];
        let dstart = rest.find(" d=\"").unwrap() + 4;
        let dpath = &rest[dstart..dstart + rest[dstart..].find('"').unwrap()];
        let points = dpath.matches(['M', 'L']).count();
        assert!(points <= 400, "{points} points");
    }
    let data = &html[html.find("id=\"map-data\">").unwrap()..];
    let data = &data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()];
    let v: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(v["frames"].as_array().unwrap().len(), 200);
    assert_eq!(v["dates"][199], "2017-08-20");
    assert!(html.len() < 600_000, "{} bytes", html.len());
}

#[test]
fn ensemble_cards_give_the_median_with_its_band() {
    let html = render(ensemble_dir().path());
    for (v, k) in [
        (
            "40,050<span class=\"delta\">5–95%: 39,500–40,480</span>",
            "people admitted at ports",
        ),
        (
            "30,000<span class=\"delta\">5–95%: 29,000–31,000</span>",
            "people encountered between ports",
        ),
        (
            "250,100<span class=\"delta\">5–95%: 248,500–251,400</span>",
            "people created",
        ),
    ] {
        let card = format!("<div class=\"v\">{v}</div><div class=\"k\">{k}</div>");
        assert!(html.contains(&card), "{card}");
    }
}

/// The HTML of the section with id `id`.
fn section(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &html[start..];
    rest[..rest.find("</section>").unwrap()].to_string()
}

/// Observed monthly encounters beside the simulated ones: the fit per window as
/// summary.json gives it (not recomputed), the windows shaded on every chart,
/// the areas not compared named, and the fit among the top cards.
#[test]
fn observed_encounters_sit_beside_the_simulated_ones() {
    let d = corridor_dir();
    let html = render(d.path());
    let sec = section(&html, "observed-encounters");
    assert!(sec.contains("<h2>Simulated against observed encounters</h2>"));
    // The fit table: the calibration window's ARD as summary.json has it.
    let cal = row_cells(&sec, "calibration");
    assert_eq!(cal[0], "Nov 2023", "{cal:?}");
    assert_eq!(cal[3], "0.111", "{cal:?}");
    assert_eq!(row_cells(&sec, "evaluation")[3], "0.000");
    // Windows: shaded on the two component charts and the six area panels.
    let charts = sec.matches("<svg").count();
    assert_eq!(charts, 2 + 6, "one chart per component, one panel per area");
    assert_eq!(sec.matches("<rect class=\"span\"").count(), 3 * charts);
    assert!(sec.contains("warm-up 1 Oct 2023 – 31 Oct 2023"));
    // Simulated solid, observed dashed, on every chart.
    assert_eq!(sec.matches("<path class=\"line dashed\"").count(), charts);
    assert!(sec.contains("CBP areas this scenario does not model (not compared): Yuma."));
    assert!(html.contains(
        "<div class=\"v\">0.111</div><div class=\"k\">fit to CBP encounters, calibration months (ARD, lower is better)</div>"
    ));
    // Without the observations the section and the card are left out.
    std::fs::remove_file(d.path().join("observed_monthly.csv")).unwrap();
    let html = render(d.path());
    assert!(!html.contains("id=\"observed-encounters\""));
}

/// An ensemble: observed once, the simulated median with its band per area.
#[test]
fn ensemble_observed_encounters_have_bands() {
    let html = render(ensemble_dir().path());
    let sec = section(&html, "observed-encounters");
    assert!(sec.contains("median of the runs with the 5th–95th percentile band"));
    // One band per area panel (six), none on the totals (sums of means).
    assert_eq!(sec.matches("<path class=\"band\"").count(), 6);
    assert!(
        html.contains("fit of the runs&#39; mean to CBP encounters")
            || html.contains("fit of the runs' mean to CBP encounters")
    );
}

/// An ensemble's summary.json with the key numbers as statistics over the
/// members: the top cards show each with its band, the peak with its dates.
#[test]
fn ensemble_key_numbers_show_their_bands() {
    let d = ensemble_dir();
    let path = d.path().join("summary.json");
    let mut s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let st = |p5: f64, p50: f64, p95: f64| serde_json::json!({"mean": p50, "sd": 1.0, "p5": p5, "p50": p50, "p95": p95});
    s["key_numbers"] = serde_json::json!({
        "peak_waiting_at_border": st(11000.0, 12500.0, 13900.0),
        "peak_waiting_date": {"p5": "2023-10-03", "p50": "2023-10-04", "p95": "2023-10-09"},
        "mean_wait_days": st(3.5, 4.3, 5.0),
        "p90_wait_days": st(10.0, 14.0, 14.0),
        "admitted": st(39000.0, 40000.0, 41000.0),
        "encountered": st(0.0, 0.0, 0.0),
        "interception_events": st(7000.0, 8000.0, 9000.0),
        "people_intercepted": st(4500.0, 5000.0, 5500.0),
        "final_waiting_at_border": st(5000.0, 6000.0, 7000.0)
    });
    std::fs::write(&path, serde_json::to_string(&s).unwrap()).unwrap();
    let html = render(d.path());
    for (v, k) in [
        (
            "12,500<span class=\"delta\">5–95%: 11,000–13,900</span>",
            "peak people waiting at the border (median date 4 Oct 2023; 5–95%: 3 Oct 2023 – 9 Oct 2023)",
        ),
        (
            "4.3<span class=\"delta\">5–95%: 3.5–5.0</span>",
            "mean wait at ports (days)",
        ),
        (
            "14<span class=\"delta\">5–95%: 10–14</span>",
            "days waited by the longest-waiting 10% of those admitted (at least)",
        ),
        (
            "5,000<span class=\"delta\">5–95%: 4,500–5,500</span>",
            "people intercepted at checkpoints",
        ),
    ] {
        let card = format!("<div class=\"v\">{v}</div><div class=\"k\">{k}</div>");
        assert!(html.contains(&card), "{card}");
    }
    // Zero in every run: no card; the accounting cards give way to the key numbers.
    assert!(!html.contains("people encountered between ports</div>"));
    assert!(!html.contains(">people created</div>"));
}

/// compare.json's ensemble variant gives its peak date as a band of dates: the
/// compare page shows the median date and the band, not the raw JSON.
#[test]
fn compare_shows_an_ensembles_peak_date_band() {
    let html = render(compare_root().path());
    let cells = row_cells(&html, "peak waiting date");
    assert_eq!(cells.len(), 3, "{cells:?}");
    assert!(
        cells[2].starts_with("median date 4 Oct 2023; 5–95%: 3 Oct 2023 – 6 Oct 2023"),
        "{cells:?}"
    );
    assert!(!html.contains("{&quot;p5&quot;"));
}
