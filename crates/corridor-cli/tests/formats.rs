//! End-to-end tests of `--format csv|parquet|both` on `corridor ensemble` and
//! `corridor compare`: a Parquet directory holds the same tables as the CSV one
//! (each `<table>.parquet` reads back as the values of `<table>.csv`), its
//! manifest lists what is there, and `corridor report` redraws the same page
//! from either format.

mod common;

use common::{corridor, example};
use std::fs;
use std::path::Path;

/// File names directly in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A CSV table's cells with every number in one form (parsed as f64), so that
/// "900" and "900.0" compare equal as they do for a reader. Cells are split at
/// commas: both texts quote names the same way (`csv_field`), so a quoted comma
/// splits alike in both.
fn cells(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| {
            l.split(',')
                .map(|c| match c.parse::<f64>() {
                    Ok(v) => format!("{v}"),
                    Err(_) => c.to_string(),
                })
                .collect()
        })
        .collect()
}

fn parquet_as_csv(p: &Path) -> String {
    corridor_io::write::parquet::parquet_to_csv(p).unwrap()
}

/// Every `*.csv` of `csv_dir` is in `pq_dir` only as `*.parquet`, with the same
/// values; JSON files are byte-identical; the reports are the same page.
fn same_tables(csv_dir: &Path, pq_dir: &Path) {
    let tables: Vec<String> = names(csv_dir)
        .into_iter()
        .filter(|n| n.ends_with(".csv"))
        .collect();
    assert!(!tables.is_empty(), "{}", csv_dir.display());
    for t in &tables {
        let pq = t.replace(".csv", ".parquet");
        assert!(!pq_dir.join(t).exists(), "{t} in a Parquet directory");
        let orig = fs::read_to_string(csv_dir.join(t)).unwrap();
        assert_eq!(
            cells(&parquet_as_csv(&pq_dir.join(&pq))),
            cells(&orig),
            "{pq}"
        );
    }
    for f in ["summary.json", "network.json", "report.html"] {
        if csv_dir.join(f).exists() {
            assert_eq!(
                fs::read(csv_dir.join(f)).unwrap(),
                fs::read(pq_dir.join(f)).unwrap(),
                "{f} in {}",
                pq_dir.display()
            );
        }
    }
}

#[test]
fn ensemble_directories_in_parquet_hold_the_csv_values_and_redraw_their_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |f: &str| tmp.path().join(f);
    for f in ["csv", "parquet", "both"] {
        // One member leaves `sd` empty: nulls in the Parquet tables.
        corridor()
            .arg("ensemble")
            .arg(example("port-closure"))
            .args([
                "--runs", "1", "--seed", "4", "--quiet", "--format", f, "--out",
            ])
            .arg(dir(f))
            .assert()
            .success();
    }
    same_tables(&dir("csv"), &dir("parquet"));
    assert!(names(&dir("parquet")).contains(&"ports_stats.parquet".to_string()));
    // `both`: the CSV files of `csv` and the Parquet files of `parquet`, byte for byte.
    for n in names(&dir("both")) {
        let from = if n.ends_with(".parquet") {
            "parquet"
        } else {
            "csv"
        };
        if n != "corridor-manifest.json" {
            assert_eq!(
                fs::read(dir("both").join(&n)).unwrap(),
                fs::read(dir(from).join(&n)).unwrap(),
                "{n}"
            );
        }
    }
    // The manifest check accepts the Parquet directory; the report is redrawn
    // from Parquet tables alone.
    fs::remove_file(dir("parquet").join("report.html")).unwrap();
    corridor()
        .arg("report")
        .arg(dir("parquet"))
        .assert()
        .success();
    assert_eq!(
        fs::read(dir("parquet").join("report.html")).unwrap(),
        fs::read(dir("csv").join("report.html")).unwrap()
    );
    // A Parquet table changed behind the manifest's back is refused.
    fs::write(dir("parquet").join("daily_stats.parquet"), b"PAR1").unwrap();
    corridor()
        .arg("report")
        .arg(dir("parquet"))
        .assert()
        .code(2);
}

#[test]
fn compare_directories_in_parquet_hold_the_csv_values_in_every_variant() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |f: &str| tmp.path().join(f);
    // Two members per variant (ensemble directories) and one (run directories).
    for (runs, f) in [
        ("2", "csv"),
        ("2", "parquet"),
        ("1", "csv1"),
        ("1", "parquet1"),
    ] {
        corridor()
            .arg("compare")
            .arg(example("variants"))
            .args(["--runs", runs, "--days", "20", "--seed", "2", "--quiet"])
            .args(["--format", f.trim_end_matches('1'), "--out"])
            .arg(dir(f))
            .assert()
            .success();
    }
    for (c, p) in [("csv", "parquet"), ("csv1", "parquet1")] {
        assert_eq!(
            fs::read(dir(c).join("compare.json")).unwrap(),
            fs::read(dir(p).join("compare.json")).unwrap()
        );
        let variants: Vec<String> = names(&dir(c))
            .into_iter()
            .filter(|n| dir(c).join(n).is_dir())
            .collect();
        assert!(variants.len() >= 2, "{variants:?}");
        for v in &variants {
            same_tables(&dir(c).join(v), &dir(p).join(v));
        }
        fs::remove_file(dir(p).join("report.html")).unwrap();
        corridor().arg("report").arg(dir(p)).assert().success();
        assert_eq!(
            fs::read(dir(p).join("report.html")).unwrap(),
            fs::read(dir(c).join("report.html")).unwrap(),
            "{p}"
        );
    }
}

#[test]
fn an_unknown_format_is_bad_input() {
    corridor()
        .args(["ensemble", "--runs", "1", "--format", "xlsx"])
        .assert()
        .code(2);
}
