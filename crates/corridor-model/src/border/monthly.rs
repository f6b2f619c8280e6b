//! Monthly encounters by CBP component and area of responsibility (docs/design.md §5,
//! `monthly.csv`), aggregated from daily records.
//!
//! * `Office of Field Operations`, by the port's `field_office`: people admitted at
//!   ports (`DayRecord::admitted` at the port's location);
//! * `U.S. Border Patrol`, by the crossing point's `sector`: crossings between ports
//!   (`DayRecord::encountered` at the border city).
//!
//! Rows: months in calendar order; within a month, the OFO field offices then the BP
//! sectors, each sorted by name; every area of the scenario appears every month
//! (0 when nothing happened). Counts are agents × `people_per_agent` (pass `hasten`
//! to get people, 1 to keep agents).

use crate::border::Border;
use crate::date::Date;
use crate::record::DayRecord;
use serde::Serialize;
use std::collections::BTreeMap;

pub const OFO: &str = "Office of Field Operations";
pub const USBP: &str = "U.S. Border Patrol";

/// One row of monthly.csv.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthlyEncounters {
    /// `YYYY-MM`.
    pub month: String,
    pub component: &'static str,
    pub area_of_responsibility: String,
    pub encounters: u64,
}

/// Aggregates daily records (day `d` is dated `start + d`).
pub fn monthly(
    border: &Border,
    start: Date,
    records: &[DayRecord],
    people_per_agent: u64,
) -> Vec<MonthlyEncounters> {
    let mut offices: Vec<&str> = border
        .ports
        .iter()
        .map(|p| p.field_office.as_str())
        .collect();
    offices.sort_unstable();
    offices.dedup();
    let mut sectors: Vec<&str> = border.crossings.iter().map(|c| c.sector.as_str()).collect();
    sectors.sort_unstable();
    sectors.dedup();
    // (month, component order, area) -> count; BTreeMap keeps months in order since
    // `YYYY-MM` sorts chronologically.
    let mut sums: BTreeMap<(String, u8, &str), u64> = BTreeMap::new();
    for r in records {
        let month = start.add_days(r.day as i64).month_label();
        for o in &offices {
            sums.entry((month.clone(), 0, o)).or_insert(0);
        }
        for s in &sectors {
            sums.entry((month.clone(), 1, s)).or_insert(0);
        }
        for p in &border.ports {
            let n = r.admitted.get(p.location).copied().unwrap_or(0);
            *sums
                .entry((month.clone(), 0, p.field_office.as_str()))
                .or_insert(0) += n;
        }
        for c in &border.crossings {
            let n = r.encountered.get(c.border_city).copied().unwrap_or(0);
            *sums
                .entry((month.clone(), 1, c.sector.as_str()))
                .or_insert(0) += n;
        }
    }
    sums.into_iter()
        .map(|((month, comp, area), n)| MonthlyEncounters {
            month,
            component: if comp == 0 { OFO } else { USBP },
            area_of_responsibility: area.to_string(),
            encounters: n * people_per_agent,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::border::{CrossingPoint, Port, QueueDiscipline};

    #[test]
    fn sums_by_month_component_and_area() {
        let port = |loc: usize, fo: &str| Port {
            location: loc,
            name: format!("P{loc}"),
            border_city: 0,
            field_office: fo.into(),
            sector: "X Sector".into(),
            capacity_per_day: 1.0,
            open: true,
            walk_ups: true,
            queue: QueueDiscipline::Fifo,
        };
        let border = Border {
            ports: vec![
                port(1, "San Diego Field Office"),
                port(2, "El Paso Field Office"),
            ],
            crossings: vec![CrossingPoint {
                name: "C".into(),
                border_city: 0,
                sector: "San Diego Sector".into(),
                hazard: 0.1,
                slope: 0.0,
                max_hazard: 1.0,
            }],
            ..Border::default()
        };
        let rec = |day: u32, a1: u64, a2: u64, e: u64| DayRecord {
            day,
            admitted: vec![0, a1, a2],
            encountered: vec![e, 0, 0],
            ..DayRecord::default()
        };
        // Start 2023-12-30: days 0, 1 are December, day 2 is January.
        let start = Date::parse("2023-12-30").unwrap();
        let rows = monthly(
            &border,
            start,
            &[rec(0, 1, 0, 2), rec(1, 3, 0, 0), rec(2, 0, 0, 5)],
            10,
        );
        let got: Vec<(String, &str, String, u64)> = rows
            .into_iter()
            .map(|r| (r.month, r.component, r.area_of_responsibility, r.encounters))
            .collect();
        let want = vec![
            ("2023-12", OFO, "El Paso Field Office", 0),
            ("2023-12", OFO, "San Diego Field Office", 40),
            ("2023-12", USBP, "San Diego Sector", 20),
            ("2024-01", OFO, "El Paso Field Office", 0),
            ("2024-01", OFO, "San Diego Field Office", 0),
            ("2024-01", USBP, "San Diego Sector", 50),
        ];
        let want: Vec<(String, &str, String, u64)> = want
            .into_iter()
            .map(|(m, c, a, n)| (m.to_string(), c, a.to_string(), n))
            .collect();
        assert_eq!(got, want);
    }
}
