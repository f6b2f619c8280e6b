//! The fit of a corridor scenario to what was observed: one definition, used by
//! the calibration ([`crate::scenario_cal`]), its tests and the built-in
//! scenario's recorded fit (docs/validation.md §3.2 gives the formulas).
//!
//! The objective is a weighted sum of five terms, each a relative error (0 =
//! perfect, about 1 = off by the whole observed amount), over the compared months
//! `M` (never a warm-up month, never after `observed_through`):
//!
//! * `cells`: the ARD of monthly encounters over the (month, component, area)
//!   cells ([`crate::encounters::compare_encounters`]);
//! * `shares`: the mean over `M` of the sum over Border Patrol sectors of
//!   `|simulated share − observed share|` (where people cross, whatever their total);
//! * `sectors`: the mean over Border Patrol sectors, each counted once whatever
//!   its size, of `Σ_M |s − o| / Σ_M o` (small sectors such as El Centro and
//!   Laredo weigh as much as large ones here; the cell ARD hardly sees them);
//! * `walk_ups`: `Σ_M |W_s − W_o| / Σ_M W_o`, with `W_s` the simulated walk-ups
//!   admitted at ports and `W_o` the observed field-office encounters minus the
//!   scheduled appointments (the scenario's pool and its dated changes, in people);
//! * `stocks`: the mean over the stock targets dated within `M` (so a held-out
//!   month's reports stay held out) of the distance of the simulated
//!   people at their locations on their date from the reported interval
//!   `[low, high]`: `(low − s)/low` below it, `(s − high)/high` above it, 0 inside.
//!   The interval carries the report's uncertainty (rough numbers get wide ones).
//!
//! Invariants: a term with nothing to compare is 0 and flagged `None` in
//! [`FitTerms`] (so it never pushes a search around); everything is a pure
//! function of the runs' records, the observed counts and the targets.

use crate::encounters::{compare_encounters, CompareOptions, EncounterComparison, MonthlyRow};
use corridor_io::error::InputError;
use corridor_model::border::Action;
use corridor_model::{Date, DayRecord, MonthlyObserved, Scenario};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Border Patrol's component name in CBP's files.
pub const BORDER_PATROL: &str = "U.S. Border Patrol";
/// The Office of Field Operations' component name in CBP's files.
pub const FIELD_OPERATIONS: &str = "Office of Field Operations";

/// A reported stock of people: the sum of the people at `locations` at the end
/// of `date` should lie in `[low, high]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockTarget {
    pub date: Date,
    pub locations: Vec<String>,
    pub low: f64,
    pub high: f64,
    /// Where the figure comes from (free text, e.g. a source tag).
    pub source: String,
}

/// The weights of the terms (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitWeights {
    pub cells: f64,
    pub shares: f64,
    pub sectors: f64,
    pub walk_ups: f64,
    pub stocks: f64,
}

impl Default for FitWeights {
    /// The counts of CBP's cells are the hard data (weight 1); where people
    /// cross (shares) matters as much as how many do, half as much again; the
    /// small sectors, the walk-ups (a difference of two counts) and the reported
    /// stocks (rough) a quarter each.
    fn default() -> Self {
        FitWeights {
            cells: 1.0,
            shares: 0.5,
            sectors: 0.25,
            walk_ups: 0.25,
            stocks: 0.25,
        }
    }
}

/// What a fit compares beyond the months: the weights and the stock targets.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct FitObjective {
    pub weights: FitWeights,
    pub stocks: Vec<StockTarget>,
}

/// One stock target's simulated value and distance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockFit {
    pub date: Date,
    pub locations: Vec<String>,
    pub low: f64,
    pub high: f64,
    pub simulated: f64,
    pub distance: f64,
}

/// The terms of a fit; `None` where nothing could be compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitTerms {
    pub cells: Option<f64>,
    pub shares: Option<f64>,
    pub sectors: Option<f64>,
    pub walk_ups: Option<f64>,
    pub stocks: Option<f64>,
    /// Simulated / observed walk-ups over the months (people).
    pub walk_ups_simulated: f64,
    pub walk_ups_observed: f64,
    /// Per Border Patrol sector: (sector, simulated, observed) over the months.
    pub sector_totals: Vec<(String, f64, f64)>,
    pub stock_fits: Vec<StockFit>,
    /// The weighted sum (the calibration objective); +∞ without any cell.
    pub total: f64,
}

impl FitObjective {
    /// Only the cell ARD (weight 1), as calibrations did before the other terms.
    pub fn cells_only() -> Self {
        FitObjective {
            weights: FitWeights {
                cells: 1.0,
                shares: 0.0,
                sectors: 0.0,
                walk_ups: 0.0,
                stocks: 0.0,
            },
            stocks: Vec::new(),
        }
    }

    /// The last day index (from the scenario's start) any term needs, so a run
    /// can stop there; `None` when the months are empty and there are no stocks.
    pub fn last_day(&self, start: Date, months: &[String]) -> Option<i64> {
        let month_end = months.iter().filter_map(|m| month_last_day(m)).max();
        let stock = self.stocks_in(months).map(|s| s.date).max();
        month_end
            .into_iter()
            .chain(stock)
            .max()
            .map(|d| d.days_since(start))
    }

    /// The stock targets dated within `months`.
    pub fn stocks_in<'a>(&'a self, months: &'a [String]) -> impl Iterator<Item = &'a StockTarget> {
        self.stocks
            .iter()
            .filter(move |s| months.contains(&s.date.month_label()))
    }

    /// Checks that every stock location exists in `sc`.
    pub fn check(&self, sc: &Scenario) -> Result<(), String> {
        for s in &self.stocks {
            for l in &s.locations {
                if sc.location_index(l).is_none() {
                    return Err(format!("stock target on {}: no location '{l}'", s.date));
                }
            }
        }
        Ok(())
    }

    /// The terms for runs of `sc` (each run's records) against `observed` over
    /// `months`; `cells` is the encounter comparison of the runs' mean rows.
    pub fn evaluate(
        &self,
        sc: &Scenario,
        runs: &[Vec<DayRecord>],
        cells: &EncounterComparison,
        observed: &MonthlyObserved,
        months: &[String],
    ) -> FitTerms {
        let n = runs.len().max(1) as f64;
        let hasten = sc.settings.optimisations.hasten.max(1) as f64;
        let month_of = |r: &DayRecord| sc.start_date.add_days(r.day as i64).month_label();
        let wanted = |m: &str| months.iter().any(|w| w == m);

        // Border Patrol per (month, sector), from the compared cells.
        let mut bp: BTreeMap<&str, Vec<(&str, f64, f64)>> = BTreeMap::new();
        for c in &cells.cells {
            if c.component == BORDER_PATROL {
                bp.entry(c.month.as_str()).or_default().push((
                    c.area_of_responsibility.as_str(),
                    c.simulated,
                    c.observed,
                ));
            }
        }
        let share_diffs: Vec<f64> = bp
            .values()
            .filter_map(|row| {
                let (ts, to): (f64, f64) =
                    row.iter().fold((0.0, 0.0), |a, r| (a.0 + r.1, a.1 + r.2));
                (ts > 0.0 && to > 0.0).then(|| {
                    row.iter()
                        .map(|(_, s, o)| (s / ts - o / to).abs())
                        .sum::<f64>()
                })
            })
            .collect();
        let shares = mean(&share_diffs);

        let mut by_sector: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for (a, s, o) in bp.values().flatten() {
            let e = by_sector.entry(a).or_insert((0.0, 0.0));
            e.0 += s;
            e.1 += o;
        }
        let sector_totals: Vec<(String, f64, f64)> = by_sector
            .into_iter()
            .map(|(a, (s, o))| (a.to_string(), s, o))
            .collect();
        let sector_errs: Vec<f64> = sector_totals
            .iter()
            .filter(|(_, _, o)| *o > 0.0)
            .map(|(_, s, o)| (s - o).abs() / o)
            .collect();
        let sectors = mean(&sector_errs);

        // Walk-ups: simulated per month, observed = OFO minus scheduled appointments.
        let mut walk_sim: BTreeMap<String, f64> = BTreeMap::new();
        for run in runs {
            for r in run {
                let m = month_of(r);
                if wanted(&m) {
                    let w: u64 = r.ports.iter().map(|p| p.walk_up).sum();
                    *walk_sim.entry(m).or_insert(0.0) += w as f64 * hasten / n;
                }
            }
        }
        let slots = scheduled_appointments(sc, months);
        let (mut ws, mut wo, mut wd) = (0.0, 0.0, 0.0);
        let mut any_walk = false;
        for m in months {
            let ofo: f64 = cells
                .cells
                .iter()
                .filter(|c| c.component == FIELD_OPERATIONS && &c.month == m)
                .map(|c| c.observed)
                .sum();
            let Some(&a) = slots.get(m) else { continue };
            if !observed.has_month(m) || ofo == 0.0 {
                continue;
            }
            any_walk = true;
            let o = (ofo - a).max(0.0);
            let s = walk_sim.get(m).copied().unwrap_or(0.0);
            ws += s;
            wo += o;
            wd += (s - o).abs();
        }
        let walk_ups = (any_walk && wo > 0.0).then(|| wd / wo);

        let stock_fits: Vec<StockFit> = self
            .stocks_in(months)
            .filter_map(|t| {
                let day = t.date.days_since(sc.start_date);
                let idx: Vec<usize> = t
                    .locations
                    .iter()
                    .filter_map(|l| sc.location_index(l))
                    .collect();
                let mut total = 0.0;
                for run in runs {
                    let r = run.iter().find(|r| r.day as i64 == day)?;
                    total += idx
                        .iter()
                        .map(|&i| r.population.get(i).copied().unwrap_or(0) as f64)
                        .sum::<f64>();
                }
                let s = total * hasten / n;
                Some(StockFit {
                    date: t.date,
                    locations: t.locations.clone(),
                    low: t.low,
                    high: t.high,
                    simulated: s,
                    distance: interval_distance(s, t.low, t.high),
                })
            })
            .collect();
        let stocks = mean(&stock_fits.iter().map(|s| s.distance).collect::<Vec<_>>());

        let w = &self.weights;
        let total = match cells.ard {
            None => f64::INFINITY,
            Some(c) => {
                w.cells * c
                    + w.shares * shares.unwrap_or(0.0)
                    + w.sectors * sectors.unwrap_or(0.0)
                    + w.walk_ups * walk_ups.unwrap_or(0.0)
                    + w.stocks * stocks.unwrap_or(0.0)
            }
        };
        FitTerms {
            cells: cells.ard,
            shares,
            sectors,
            walk_ups,
            stocks,
            walk_ups_simulated: ws,
            walk_ups_observed: wo,
            sector_totals,
            stock_fits,
            total,
        }
    }
}

/// The monthly rows of several runs, averaged (people).
pub fn mean_rows(per_run: Vec<Vec<MonthlyRow>>) -> Vec<MonthlyRow> {
    let n = per_run.len().max(1) as f64;
    per_run
        .into_iter()
        .flatten()
        .map(|mut r| {
            r.encounters /= n;
            r
        })
        .collect()
}

/// The comparison of the cells, as `compare_encounters` with `months` and the
/// scenario's cut-off.
pub fn compare_cells(
    sc: &Scenario,
    rows: &[MonthlyRow],
    observed: &MonthlyObserved,
    months: &[String],
) -> EncounterComparison {
    compare_encounters(
        rows,
        observed,
        &CompareOptions {
            months: Some(months.to_vec()),
            through: sc.observed.observed_through.clone(),
        },
    )
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Distance of `s` from `[low, high]`, relative to the nearer end (0 inside).
pub fn interval_distance(s: f64, low: f64, high: f64) -> f64 {
    if s < low && low > 0.0 {
        (low - s) / low
    } else if s > high && high > 0.0 {
        (s - high) / high
    } else {
        0.0
    }
}

/// The last day of a `YYYY-MM` month.
fn month_last_day(m: &str) -> Option<Date> {
    let (y, mo) = Date::parse_month(m)?;
    let (ny, nm) = if mo == 12 { (y + 1, 1) } else { (y, mo + 1) };
    Some(Date::from_ymd(ny, nm, 1)?.add_days(-1))
}

/// Appointments scheduled per month (people): the pool's daily number and its
/// dated `set_appointments_per_day` changes, summed over the month's days that
/// the run covers. Months the run does not cover wholly are left out.
pub fn scheduled_appointments(sc: &Scenario, months: &[String]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let Some(pool) = &sc.border.appointments else {
        return out;
    };
    let hasten = sc.settings.optimisations.hasten.max(1) as f64;
    let mut per_day = pool.per_day;
    let mut events = sc
        .border
        .events
        .iter()
        .filter_map(|e| match e.action {
            Action::SetAppointmentsPerDay { per_day } => Some((e.day, per_day)),
            _ => None,
        })
        .peekable();
    for day in 0..sc.days {
        while let Some(&(d, v)) = events.peek() {
            if d > day {
                break;
            }
            per_day = v;
            events.next();
        }
        let m = sc.start_date.add_days(day as i64).month_label();
        if months.contains(&m) {
            *out.entry(m).or_insert(0.0) += per_day * hasten;
        }
    }
    out
}

/// Parses stock targets: `date,locations,low,high,source` (`locations`
/// separated by `;`; `#` rows are comments; more columns are allowed and
/// ignored, e.g. a note). `path` is shown in errors.
pub fn parse_stock_targets(bytes: &[u8], path: &str) -> Result<Vec<StockTarget>, InputError> {
    let (header, rows) = crate::encounters::header_and_rows(path, bytes)?;
    let col = crate::encounters::columns(
        path,
        &header,
        ["date", "locations", "low", "high", "source"],
    )?;
    rows.iter()
        .map(|r| {
            let date = r.cell(path, col[0], "date").date()?;
            let locs = r.cell(path, col[1], "locations");
            let locations: Vec<String> = locs
                .text
                .split(';')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if locations.is_empty() {
                return Err(locs.bad("location names separated by ';'"));
            }
            let low = r.cell(path, col[2], "low").non_negative()?;
            let hc = r.cell(path, col[3], "high");
            let high = hc.non_negative()?;
            if high < low {
                return Err(hc.bad(&format!("a number not below low ({low})")));
            }
            Ok(StockTarget {
                date,
                locations,
                low,
                high,
                source: r.cell(path, col[4], "source").text.to_string(),
            })
        })
        .collect()
}

/// Reads stock targets from a file (see [`parse_stock_targets`]).
pub fn read_stock_targets(path: &Path) -> Result<Vec<StockTarget>, InputError> {
    let bytes = crate::encounters::read(path, "the stock targets")?;
    parse_stock_targets(&bytes, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_distance_by_hand() {
        assert_eq!(interval_distance(5.0, 10.0, 20.0), 0.5);
        assert_eq!(interval_distance(15.0, 10.0, 20.0), 0.0);
        assert_eq!(interval_distance(30.0, 10.0, 20.0), 0.5);
        assert_eq!(interval_distance(0.0, 0.0, 0.0), 0.0);
    }

    #[test]
    fn stock_targets_parse_and_name_bad_fields() {
        let t = parse_stock_targets(
            b"date,locations,low,high,source,note\n# comment\n2023-09-25,Tapachula; Huixtla ,8152,30000,[S82],x\n",
            "stocks.csv",
        )
        .unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].locations, vec!["Tapachula", "Huixtla"]);
        assert_eq!((t[0].low, t[0].high), (8152.0, 30000.0));
        assert_eq!(t[0].date, Date::parse("2023-09-25").unwrap());
        let e = parse_stock_targets(
            b"date,locations,low,high,source\n2023-09-25,Tapachula,10,5,x\n",
            "stocks.csv",
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("stocks.csv:2: field 'high'"),
            "{e}"
        );
        let e = parse_stock_targets(b"date,low\n", "stocks.csv").unwrap_err();
        assert!(e.to_string().contains("missing column 'locations'"), "{e}");
        let e = parse_stock_targets(
            b"date,locations,low,high,source\n2023-13-01,Tapachula,1,5,x\n",
            "stocks.csv",
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("stocks.csv:2: field 'date'"),
            "{e}"
        );
    }

    /// Every term by hand on a two-month scenario (Jul–Aug 2023): two sectors,
    /// one field office, an appointment pool that doubles on 1 Aug, two stock
    /// targets in the window and one after it.
    #[test]
    fn terms_by_hand() {
        use crate::encounters::parse_cbp;
        use corridor_model::border::{Allocation, AppointmentPool, Event};
        use corridor_model::scenario::{Location, LocationKind};
        use corridor_model::PortDay;
        let mut sc = Scenario::new("t", Date::parse("2023-07-01").unwrap(), 62);
        sc.locations
            .push(Location::new("Tapachula", LocationKind::Town));
        sc.locations
            .push(Location::new("Tijuana", LocationKind::Camp));
        sc.border.appointments = Some(AppointmentPool {
            per_day: 10.0,
            shares: vec![1.0],
            request_probability: 0.5,
            eligible: vec![],
            allocation: Allocation::Fifo,
            lead_days: 0,
        });
        sc.border.events.push(Event {
            day: 31,
            action: Action::SetAppointmentsPerDay { per_day: 20.0 },
        });
        let cbp = "fiscal_year,calendar_year,month,component,area_of_responsibility,title_of_authority,encounters
2023,2023,7,U.S. Border Patrol,A Sector,Title 8,100
2023,2023,7,U.S. Border Patrol,B Sector,Title 8,100
2023,2023,7,Office of Field Operations,F Field Office,Title 8,400
2023,2023,8,U.S. Border Patrol,A Sector,Title 8,300
2023,2023,8,U.S. Border Patrol,B Sector,Title 8,100
2023,2023,8,Office of Field Operations,F Field Office,Title 8,1000
";
        let obs = parse_cbp(cbp.as_bytes(), "cbp.csv").unwrap();
        let row = |m: &str, c: &str, a: &str, n: f64| MonthlyRow {
            month: m.into(),
            component: c.into(),
            area_of_responsibility: a.into(),
            encounters: n,
        };
        let rows = vec![
            row("2023-07", BORDER_PATROL, "A Sector", 150.0),
            row("2023-07", BORDER_PATROL, "B Sector", 50.0),
            row("2023-07", FIELD_OPERATIONS, "F Field Office", 380.0),
            row("2023-08", BORDER_PATROL, "A Sector", 300.0),
            row("2023-08", BORDER_PATROL, "B Sector", 100.0),
            row("2023-08", FIELD_OPERATIONS, "F Field Office", 1000.0),
        ];
        let months = vec!["2023-07".to_string(), "2023-08".to_string()];
        let cells = compare_cells(&sc, &rows, &obs, &months);
        // Walk-ups: 3 a day in July (93), 10 a day in August (310).
        let records: Vec<DayRecord> = (0..62u32)
            .map(|day| DayRecord {
                day,
                population: match day {
                    14 => vec![50, 0],
                    40 => vec![20, 5],
                    _ => vec![0, 0],
                },
                ports: vec![PortDay {
                    walk_up: if day < 31 { 3 } else { 10 },
                    ..PortDay::default()
                }],
                ..DayRecord::default()
            })
            .collect();
        let target = |d: &str, l: &[&str], low: f64, high: f64| StockTarget {
            date: Date::parse(d).unwrap(),
            locations: l.iter().map(|s| s.to_string()).collect(),
            low,
            high,
            source: String::new(),
        };
        let objective = FitObjective {
            weights: FitWeights::default(),
            stocks: vec![
                target("2023-07-15", &["Tapachula"], 100.0, 200.0),
                target("2023-08-10", &["Tapachula", "Tijuana"], 10.0, 20.0),
                target("2023-09-01", &["Tapachula"], 1e6, 2e6), // after the window
            ],
        };
        assert_eq!(objective.last_day(sc.start_date, &months), Some(61));
        let t = objective.evaluate(&sc, &[records], &cells, &obs, &months);
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} != {b}");
        close(t.cells.unwrap(), 120.0 / 2000.0);
        // July: shares 0.75/0.25 against 0.5/0.5; August: equal.
        close(t.shares.unwrap(), (0.5 + 0.0) / 2.0);
        // A: 450 against 400; B: 150 against 200.
        close(t.sectors.unwrap(), (50.0 / 400.0 + 50.0 / 200.0) / 2.0);
        // Observed walk-ups: 400 − 31×10 = 90 in July, 1000 − 31×20 = 380 in August.
        assert_eq!((t.walk_ups_simulated, t.walk_ups_observed), (403.0, 470.0));
        close(t.walk_ups.unwrap(), (3.0 + 70.0) / 470.0);
        // 50 against [100, 200]: 0.5; 25 against [10, 20]: 0.25; September's is not scored.
        assert_eq!(t.stock_fits.len(), 2);
        close(t.stocks.unwrap(), (0.5 + 0.25) / 2.0);
        close(
            t.total,
            0.06 + 0.5 * 0.25 + 0.25 * 0.1875 + 0.25 * 73.0 / 470.0 + 0.25 * 0.375,
        );
        // Only the cells: the old objective.
        let only = FitObjective::cells_only().evaluate(&sc, &[], &cells, &obs, &months);
        close(only.total, 0.06);
    }

    #[test]
    fn month_ends() {
        assert_eq!(month_last_day("2023-09"), Date::parse("2023-09-30"));
        assert_eq!(month_last_day("2023-12"), Date::parse("2023-12-31"));
        assert_eq!(month_last_day("2024-02"), Date::parse("2024-02-29"));
    }
}
