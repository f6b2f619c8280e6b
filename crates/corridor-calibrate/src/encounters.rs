//! Simulated monthly encounters against CBP's observed ones (issue 8 item 3), as a
//! validation measure and a calibration objective for corridor scenarios.
//!
//! Inputs:
//! * simulated rows as in a run's `monthly.csv` (`month,component,
//!   area_of_responsibility,encounters`, people), from [`parse_monthly_csv`] or
//!   straight from a run with [`monthly_rows`];
//! * observed rows in CBP's layout (`fiscal_year,calendar_year,month,component,
//!   area_of_responsibility,title_of_authority,encounters`), summed over titles
//!   (Title 8 + Title 42) by [`parse_cbp`].
//!
//! Compared cells are (month, component, area) rows of the simulation whose month
//! is in the observed file, not after [`CompareOptions::through`] (a scenario's
//! `observations.observed_through`: later months are kept for out-of-sample
//! evaluation and must never inform a calibration), within the requested months
//! if any, and
//! whose (component, area) occurs in the observed file (an observed month without a
//! row for that area counts as 0 encounters). Simulated areas the file does not
//! know are listed in [`EncounterComparison::unmatched_areas`]; observed areas the
//! scenario does not model are not compared.
//!
//! Metrics over the compared cells `k`, simulated `s_k`, observed `o_k`:
//! * `ard` = `Σ_k |s_k − o_k| / Σ_k o_k` (ARD-like; the calibration objective);
//! * `mare` = mean over cells with `o_k > 0` of `|s_k − o_k| / o_k`.

use corridor_io::error::InputError;
use corridor_io::text::{self, Record};
use corridor_model::border::monthly::monthly;
use corridor_model::border::Border;
use corridor_model::{Date, DayRecord, MonthlyObserved};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One row of monthly encounters (simulated, in people).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyRow {
    /// `YYYY-MM`.
    pub month: String,
    pub component: String,
    pub area_of_responsibility: String,
    pub encounters: f64,
}

type CellKey = (String, String, String);

/// Observed monthly encounters per (month, component, area), titles summed: the
/// one container of observed monthly counts (`corridor_model::MonthlyObserved`).
pub type ObservedEncounters = MonthlyObserved;

/// `YYYY-MM` when `s` is one, with a real month.
fn month_label(s: &str) -> Option<String> {
    let (y, m) = s.split_once('-')?;
    let y: i64 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    (s.len() == 7 && (1..=9999).contains(&y) && (1..=12).contains(&m))
        .then(|| format!("{y:04}-{m:02}"))
}

/// The position of each wanted column in a header row, by name.
pub(crate) fn columns<const N: usize>(
    path: &str,
    header: &Record,
    wanted: [&'static str; N],
) -> Result<[usize; N], InputError> {
    let mut out = [0; N];
    for (k, name) in wanted.iter().enumerate() {
        out[k] = header
            .fields
            .iter()
            .position(|f| f == name)
            .ok_or_else(|| InputError::Malformed {
                path: path.to_string(),
                line: header.line,
                message: format!(
                    "missing column '{name}'; expected the columns {}",
                    wanted.join(",")
                ),
            })?;
    }
    Ok(out)
}

/// Data rows after the header; `#` rows are comments.
pub(crate) fn header_and_rows(
    path: &str,
    bytes: &[u8],
) -> Result<(Record, Vec<Record>), InputError> {
    let mut rows = text::parse_csv(path, bytes)?
        .into_iter()
        .filter(|r| !r.is_comment());
    let header = rows.next().ok_or_else(|| InputError::Malformed {
        path: path.to_string(),
        line: 1,
        message: "the file is empty; expected a header row".into(),
    })?;
    Ok((header, rows.collect()))
}

/// The bytes of `path`; a missing file is named with what it was `needed_for`.
pub(crate) fn read(path: &Path, needed_for: &str) -> Result<Vec<u8>, InputError> {
    std::fs::read(path).map_err(|e| {
        let shown = path.display().to_string();
        if e.kind() == std::io::ErrorKind::NotFound {
            InputError::MissingFile {
                path: shown,
                needed_for: needed_for.into(),
            }
        } else {
            InputError::Io {
                path: shown,
                message: e.to_string(),
            }
        }
    })
}

/// Parses CBP's CSV (see the module documentation); `path` is shown in errors.
pub fn parse_cbp(bytes: &[u8], path: &str) -> Result<ObservedEncounters, InputError> {
    let (header, rows) = header_and_rows(path, bytes)?;
    let [fy, cy, mo, comp, area, title, enc] = columns(
        path,
        &header,
        [
            "fiscal_year",
            "calendar_year",
            "month",
            "component",
            "area_of_responsibility",
            "title_of_authority",
            "encounters",
        ],
    )?;
    let mut obs = ObservedEncounters::default();
    for r in &rows {
        let year = r.cell(path, cy, "calendar_year").int()?;
        if !(1..=9999).contains(&year) {
            return Err(r.cell(path, cy, "calendar_year").bad("a year"));
        }
        let month = r.cell(path, mo, "month").int()?;
        if !(1..=12).contains(&month) {
            return Err(r.cell(path, mo, "month").bad("a month number 1–12"));
        }
        let fiscal = r.cell(path, fy, "fiscal_year").int()?;
        // The US federal fiscal year starts in October.
        let expected = if month >= 10 { year + 1 } else { year };
        if fiscal != expected {
            return Err(r.cell(path, fy, "fiscal_year").bad(&format!(
                "{expected} to match calendar_year {year} and month {month} \
                     (US fiscal years start in October)"
            )));
        }
        let component = r.cell(path, comp, "component").name()?.to_string();
        let area_name = r
            .cell(path, area, "area_of_responsibility")
            .name()?
            .to_string();
        r.cell(path, title, "title_of_authority").name()?;
        let n = r.cell(path, enc, "encounters").uint()?;
        let label = format!("{year:04}-{month:02}");
        obs.add(&label, &component, &area_name, n as f64);
    }
    Ok(obs)
}

/// Reads CBP's CSV from a file.
pub fn read_cbp(path: &Path) -> Result<ObservedEncounters, InputError> {
    parse_cbp(
        &read(path, "the observed encounters")?,
        &path.display().to_string(),
    )
}

/// Parses a run's `monthly.csv`.
pub fn parse_monthly_csv(bytes: &[u8], path: &str) -> Result<Vec<MonthlyRow>, InputError> {
    let (header, rows) = header_and_rows(path, bytes)?;
    let [mo, comp, area, enc] = columns(
        path,
        &header,
        ["month", "component", "area_of_responsibility", "encounters"],
    )?;
    rows.iter()
        .map(|r| {
            let m = r.cell(path, mo, "month");
            Ok(MonthlyRow {
                month: month_label(m.text).ok_or_else(|| m.bad("a month YYYY-MM"))?,
                component: r.cell(path, comp, "component").name()?.to_string(),
                area_of_responsibility: r
                    .cell(path, area, "area_of_responsibility")
                    .name()?
                    .to_string(),
                encounters: r.cell(path, enc, "encounters").non_negative()?,
            })
        })
        .collect()
}

/// Reads a run's `monthly.csv` from a file.
pub fn read_monthly_csv(path: &Path) -> Result<Vec<MonthlyRow>, InputError> {
    parse_monthly_csv(
        &read(path, "the observed encounters")?,
        &path.display().to_string(),
    )
}

/// The monthly rows of a run (as its `monthly.csv`), in people (`hasten` per agent).
pub fn monthly_rows(
    border: &Border,
    start: Date,
    days: &[DayRecord],
    hasten: u32,
) -> Vec<MonthlyRow> {
    monthly(border, start, days, hasten.max(1) as u64)
        .into_iter()
        .map(|r| MonthlyRow {
            month: r.month,
            component: r.component.to_string(),
            area_of_responsibility: r.area_of_responsibility,
            encounters: r.encounters as f64,
        })
        .collect()
}

/// Months wholly covered by days `0 .. days` from `start` (partial first and last
/// months would be compared with whole observed months otherwise).
pub fn complete_months(start: Date, days: u32) -> Vec<String> {
    let mut out = Vec::new();
    if days == 0 {
        return out;
    }
    let end = start.add_days(days as i64 - 1);
    let mut d = start;
    while d <= end {
        let (y, m, _) = d.ymd();
        let first = Date::from_ymd(y, m, 1).expect("valid month");
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let next = Date::from_ymd(ny, nm, 1).expect("valid month");
        if first >= start && next.add_days(-1) <= end {
            out.push(d.month_label());
        }
        d = next;
    }
    out
}

/// Which cells a comparison uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompareOptions {
    /// Only these months (`YYYY-MM`), e.g. [`complete_months`]; `None` = all.
    pub months: Option<Vec<String>>,
    /// No month after this one (a scenario's `observations.observed_through`);
    /// `None` = no limit.
    pub through: Option<String>,
}

/// One compared cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellComparison {
    pub month: String,
    pub component: String,
    pub area_of_responsibility: String,
    pub simulated: f64,
    pub observed: f64,
}

/// The comparison of simulated with observed monthly encounters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EncounterComparison {
    /// In (month, component, area) order.
    pub cells: Vec<CellComparison>,
    /// `Σ|s − o| / Σo`; `None` without cells or observed encounters.
    pub ard: Option<f64>,
    /// Mean of `|s − o|/o` over cells with `o > 0`; `None` without such cells.
    pub mare: Option<f64>,
    /// Compared cells with `o = 0` (in `ard`, not in `mare`).
    pub cells_zero_observed: usize,
    /// Simulated (component, area) pairs absent from the observed file.
    pub unmatched_areas: Vec<(String, String)>,
    /// Simulated months left out: not observed, after `through`, or not requested.
    pub months_ignored: Vec<String>,
}

impl EncounterComparison {
    /// The calibration objective: `ard`, or +∞ when nothing could be compared (so
    /// an optimiser moves away from such candidates).
    pub fn objective(&self) -> f64 {
        self.ard.unwrap_or(f64::INFINITY)
    }
}

/// Compares simulated rows with observed encounters (see the module documentation).
pub fn compare_encounters(
    sim: &[MonthlyRow],
    observed: &ObservedEncounters,
    opts: &CompareOptions,
) -> EncounterComparison {
    let mut sums: BTreeMap<CellKey, f64> = BTreeMap::new();
    let mut unmatched = BTreeSet::new();
    let mut ignored = BTreeSet::new();
    for r in sim {
        let pair = (r.component.clone(), r.area_of_responsibility.clone());
        if !observed.has_area(&pair.0, &pair.1) {
            unmatched.insert(pair);
            continue;
        }
        let wanted = observed.has_month(&r.month)
            && opts.through.as_ref().map_or(true, |t| r.month <= *t)
            && opts
                .months
                .as_ref()
                .map_or(true, |ms| ms.contains(&r.month));
        if !wanted {
            ignored.insert(r.month.clone());
            continue;
        }
        *sums.entry((r.month.clone(), pair.0, pair.1)).or_insert(0.0) += r.encounters;
    }
    let cells: Vec<CellComparison> = sums
        .into_iter()
        .map(|((month, component, area), simulated)| {
            let o = observed.get(&month, &component, &area).unwrap_or(0.0);
            CellComparison {
                month,
                component,
                area_of_responsibility: area,
                simulated,
                observed: o,
            }
        })
        .collect();
    let abs: f64 = cells.iter().map(|c| (c.simulated - c.observed).abs()).sum();
    let obs_total: f64 = cells.iter().map(|c| c.observed).sum();
    let rel: Vec<f64> = cells
        .iter()
        .filter(|c| c.observed > 0.0)
        .map(|c| (c.simulated - c.observed).abs() / c.observed)
        .collect();
    EncounterComparison {
        ard: (obs_total > 0.0).then(|| abs / obs_total),
        mare: (!rel.is_empty()).then(|| rel.iter().sum::<f64>() / rel.len() as f64),
        cells_zero_observed: cells.iter().filter(|c| c.observed == 0.0).count(),
        cells,
        unmatched_areas: unmatched.into_iter().collect(),
        months_ignored: ignored.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CBP: &str = "\
fiscal_year,calendar_year,month,component,area_of_responsibility,title_of_authority,encounters
2023,2023,8,U.S. Border Patrol,Tucson Sector,Title 8,100
2023,2023,8,U.S. Border Patrol,Tucson Sector,Title 42,50
2023,2023,8,Office of Field Operations,San Diego Field Office,Title 8,40
2023,2023,9,U.S. Border Patrol,Tucson Sector,Title 8,200
2023,2023,9,Office of Field Operations,San Diego Field Office,Title 8,0
2023,2023,9,U.S. Border Patrol,Yuma Sector,Title 8,30
";

    fn row(month: &str, comp: &str, area: &str, n: f64) -> MonthlyRow {
        MonthlyRow {
            month: month.into(),
            component: comp.into(),
            area_of_responsibility: area.into(),
            encounters: n,
        }
    }

    const BP: &str = "U.S. Border Patrol";
    const OFO: &str = "Office of Field Operations";

    #[test]
    fn cbp_titles_are_summed() {
        let o = parse_cbp(CBP.as_bytes(), "cbp.csv").unwrap();
        assert_eq!(o.get("2023-08", BP, "Tucson Sector"), Some(150.0));
        assert_eq!(o.get("2023-09", BP, "Tucson Sector"), Some(200.0));
        assert_eq!(o.get("2023-09", OFO, "San Diego Field Office"), Some(0.0));
        // Yuma has no August row: 0 in an observed month; unknown month: None.
        assert_eq!(o.get("2023-08", BP, "Yuma Sector"), Some(0.0));
        assert_eq!(o.get("2023-10", BP, "Tucson Sector"), None);
        assert_eq!(o.get("2023-08", BP, "Nowhere Sector"), None);
        assert_eq!(o.months().collect::<Vec<_>>(), vec!["2023-08", "2023-09"]);
        assert_eq!(o.areas().count(), 3);
    }

    #[test]
    fn comparison_by_hand() {
        let o = parse_cbp(CBP.as_bytes(), "cbp.csv").unwrap();
        let sim = vec![
            row("2023-07", BP, "Tucson Sector", 999.0), // not observed: ignored
            row("2023-08", OFO, "San Diego Field Office", 50.0),
            row("2023-08", BP, "Tucson Sector", 120.0),
            row("2023-08", BP, "Yuma Sector", 10.0), // observed 0
            row("2023-09", OFO, "San Diego Field Office", 5.0), // observed 0
            row("2023-09", BP, "Tucson Sector", 260.0),
            row("2023-09", BP, "Del Rio Sector", 7.0), // not in the file
            row("2023-10", BP, "Tucson Sector", 999.0), // after the data
        ];
        let c = compare_encounters(&sim, &o, &CompareOptions::default());
        assert_eq!(c.cells.len(), 5);
        // |50−40| + |120−150| + |10−0| + |5−0| + |260−200| = 115 over 390.
        assert!((c.ard.unwrap() - 115.0 / 390.0).abs() < 1e-12);
        // Cells with o > 0: 10/40, 30/150, 60/200.
        let mare = (0.25 + 0.2 + 0.3) / 3.0;
        assert!((c.mare.unwrap() - mare).abs() < 1e-12);
        assert_eq!(c.cells_zero_observed, 2);
        assert_eq!(
            c.unmatched_areas,
            vec![(BP.to_string(), "Del Rio Sector".to_string())]
        );
        assert_eq!(c.months_ignored, vec!["2023-07", "2023-10"]);
        assert_eq!(c.objective(), c.ard.unwrap());
        // Restricting months and the cut-off.
        let only_sep = CompareOptions {
            months: Some(vec!["2023-09".into()]),
            ..Default::default()
        };
        let c = compare_encounters(&sim, &o, &only_sep);
        assert_eq!(c.cells.len(), 2);
        assert!((c.ard.unwrap() - 65.0 / 200.0).abs() < 1e-12);
        let through_aug = CompareOptions {
            months: None,
            through: Some("2023-08".into()),
        };
        let c = compare_encounters(&sim, &o, &through_aug);
        assert!((c.ard.unwrap() - 50.0 / 190.0).abs() < 1e-12);
        // Nothing comparable: no metric, infinite objective.
        let c = compare_encounters(&sim[..1], &o, &CompareOptions::default());
        assert!(c.cells.is_empty() && c.ard.is_none() && c.mare.is_none());
        assert_eq!(c.objective(), f64::INFINITY);
    }

    #[test]
    fn monthly_csv_round() {
        let text = "month,component,area_of_responsibility,encounters\n2023-08,U.S. Border Patrol,Tucson Sector,120\n2023-09,Office of Field Operations,San Diego Field Office,5\n";
        let rows = parse_monthly_csv(text.as_bytes(), "monthly.csv").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], row("2023-08", BP, "Tucson Sector", 120.0));
        let e = parse_monthly_csv(
            b"month,component,area_of_responsibility,encounters\n2023-13,x,y,1\n",
            "monthly.csv",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "monthly.csv:2: field 'month' (column 1): expected a month YYYY-MM, found \"2023-13\""
        );
    }

    #[test]
    fn bad_cbp_files_name_line_and_column() {
        let e = parse_cbp(b"calendar_year,month\n", "cbp.csv").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cbp.csv:1: missing column 'fiscal_year'"),
            "{e}"
        );
        let head = "fiscal_year,calendar_year,month,component,area_of_responsibility,title_of_authority,encounters\n";
        for (row, msg) in [
            (
                "2023,2023,9,U.S. Border Patrol,Tucson Sector,Title 8,many",
                "cbp.csv:2: field 'encounters' (column 7)",
            ),
            (
                "2023,2023,13,U.S. Border Patrol,Tucson Sector,Title 8,1",
                "cbp.csv:2: field 'month' (column 3): expected a month number 1–12",
            ),
            (
                "2023,2023,10,U.S. Border Patrol,Tucson Sector,Title 8,1",
                "cbp.csv:2: field 'fiscal_year' (column 1): expected 2024 to match calendar_year 2023 and month 10 (US fiscal years start in October)",
            ),
            (
                "2023,2023,9,U.S. Border Patrol,,Title 8,1",
                "cbp.csv:2: field 'area_of_responsibility' (column 5)",
            ),
        ] {
            let e = parse_cbp(format!("{head}{row}\n").as_bytes(), "cbp.csv")
                .unwrap_err();
            assert!(e.to_string().starts_with(msg), "{e}");
        }
    }

    #[test]
    fn shipped_cbp_file_reads() {
        // The CBP file the built-in scenario ships (FY2020 to September 2023).
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../scenarios/mexico-2023/data/cbp_monthly_to_2023-09.csv");
        let o = read_cbp(&p).unwrap();
        let months: Vec<&str> = o.months().collect();
        assert_eq!(months.first(), Some(&"2019-10"));
        assert_eq!(months.last(), Some(&"2023-09"));
        assert_eq!(months.len(), 48);
        assert_eq!(o.areas().count(), 13);
        // Title 8 only in September 2023 for Yuma (tail of the file).
        assert_eq!(o.get("2023-09", BP, "Yuma Sector"), Some(5935.0));
    }

    #[test]
    fn complete_months_drop_partial_ends() {
        let start = Date::parse("2023-01-15").unwrap();
        // Jan 15 .. Apr 30 (106 days): February, March and April are complete.
        assert_eq!(
            complete_months(start, 106),
            vec!["2023-02", "2023-03", "2023-04"]
        );
        let start = Date::parse("2023-02-01").unwrap();
        assert_eq!(complete_months(start, 28), vec!["2023-02"]);
        assert!(complete_months(start, 27).is_empty());
        assert!(complete_months(start, 0).is_empty());
    }
}
