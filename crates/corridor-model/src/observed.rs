//! Observed monthly counts per (month, component, area), in people — CBP's
//! encounters as calibration and forecasts read them. Plain data, no I/O: the
//! CBP reader (`corridor_calibrate::encounters::parse_cbp`) fills it.
//!
//! Invariants: a month and an area both present but without a cell count 0;
//! months and areas iterate in sorted order.

use std::collections::{BTreeMap, BTreeSet};

/// Observed monthly counts per (component, area), in people, as CBP publishes
/// encounters. A month and an area both present but without a cell count 0.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthlyObserved {
    cells: BTreeMap<(String, String, String), f64>,
    months: BTreeSet<String>,
    areas: BTreeSet<(String, String)>,
}

impl MonthlyObserved {
    /// Adds `n` people to (month `YYYY-MM`, component, area).
    pub fn add(&mut self, month: &str, component: &str, area: &str, n: f64) {
        self.months.insert(month.to_string());
        self.areas.insert((component.to_string(), area.to_string()));
        *self
            .cells
            .entry((month.to_string(), component.to_string(), area.to_string()))
            .or_insert(0.0) += n;
    }

    /// The count of a cell; `None` when the month or the area is absent.
    pub fn get(&self, month: &str, component: &str, area: &str) -> Option<f64> {
        if !self.has_month(month) || !self.has_area(component, area) {
            return None;
        }
        Some(
            self.cells
                .get(&(month.to_string(), component.to_string(), area.to_string()))
                .copied()
                .unwrap_or(0.0),
        )
    }

    /// Whether the month `YYYY-MM` is present.
    pub fn has_month(&self, month: &str) -> bool {
        self.months.contains(month)
    }

    /// Whether the (component, area) pair is present.
    pub fn has_area(&self, component: &str, area: &str) -> bool {
        self.areas
            .contains(&(component.to_string(), area.to_string()))
    }

    /// Months present, in order.
    pub fn months(&self) -> impl Iterator<Item = &str> {
        self.months.iter().map(String::as_str)
    }

    /// (component, area) pairs present, in order.
    pub fn areas(&self) -> impl Iterator<Item = (&str, &str)> {
        self.areas.iter().map(|(c, a)| (c.as_str(), a.as_str()))
    }
}
