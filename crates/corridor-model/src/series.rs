//! Dated count series (UNHCR camp registrations, totals, inflows) and Flee's
//! interpolation and level-1 registration corrections (docs/flee-rules.md §1.6–§1.7).
//!
//! Invariant: points are sorted by day offset (relative to the scenario start) and
//! values are already divided by `hasten`. `value_at` reproduces Flee's
//! `FullInterpolation`: flat before the first point and after the last, linear in
//! between, truncated towards zero to an integer.

use serde::Serialize;

/// One dated series; `points` are (day offset from start, value).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Series {
    pub points: Vec<(i64, f64)>,
}

impl Series {
    /// Builds a series; points are sorted by day (stable, so equal days keep file order).
    pub fn new(mut points: Vec<(i64, f64)>) -> Self {
        points.sort_by_key(|p| p.0);
        Series { points }
    }

    /// Interpolated value on `day`, as a float (before Flee's truncation).
    pub fn value_f64(&self, day: i64) -> f64 {
        let p = &self.points;
        if p.is_empty() {
            return 0.0;
        }
        if day <= p[0].0 {
            return p[0].1;
        }
        let last = p[p.len() - 1];
        if day >= last.0 {
            return last.1;
        }
        // First point strictly after `day`.
        let i = p.partition_point(|q| q.0 <= day);
        let (d0, v0) = p[i - 1];
        let (d1, v1) = p[i];
        if d1 == d0 {
            return v1;
        }
        v0 + (v1 - v0) * (day - d0) as f64 / (d1 - d0) as f64
    }

    /// Flee's integer value on `day` (truncated towards zero).
    pub fn value_at(&self, day: i64) -> i64 {
        self.value_f64(day) as i64
    }

    /// Largest interpolated value over days `0..days`.
    pub fn max_over(&self, days: i64) -> i64 {
        (0..days).map(|d| self.value_at(d)).max().unwrap_or(0)
    }

    /// Subtracts the series' own day-0 value from every point (`empty_camps_on_day0`).
    pub fn subtract_day0(&mut self) {
        let v0 = self.value_f64(0);
        for p in &mut self.points {
            p.1 -= v0;
        }
    }

    /// Sums two series point-wise on the union of their days (several files on one
    /// data_layout row).
    pub fn sum(&self, other: &Series) -> Series {
        let mut days: Vec<i64> = self
            .points
            .iter()
            .chain(other.points.iter())
            .map(|p| p.0)
            .collect();
        days.sort_unstable();
        days.dedup();
        Series::new(
            days.into_iter()
                .map(|d| (d, self.value_f64(d) + other.value_f64(d)))
                .collect(),
        )
    }

    /// Level-1 registration correction: the point dated exactly `day` (index i > 0)
    /// defines the factor `v[i] / v[i-1]` applied to every earlier point.
    /// Returns false when no point (other than the first) has that day.
    pub fn apply_registration_correction(&mut self, day: i64) -> bool {
        let Some(i) = self.points.iter().position(|p| p.0 == day) else {
            return false;
        };
        if i == 0 {
            return false;
        }
        let prev = self.points[i - 1].1;
        if prev == 0.0 {
            return true;
        }
        let ratio = self.points[i].1 / prev;
        for p in &mut self.points[..i] {
            p.1 *= ratio;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;

    /// Flee's test_datatable: total.csv of flee-test-data, start 2010-06-01.
    fn total() -> Series {
        let start = Date::parse("2010-06-01").unwrap();
        let rows = [
            ("2010-01-01", 500.0),
            ("2011-01-01", 6000.0),
            ("2012-01-01", 70000.0),
            ("2013-01-01", 800000.0),
            ("2014-01-01", 400000.0),
        ];
        Series::new(
            rows.iter()
                .map(|(d, v)| (Date::parse(d).unwrap().days_since(start), *v))
                .collect(),
        )
    }

    #[test]
    fn flee_datatable_values() {
        let s = total();
        assert_eq!(s.value_at(0), 2775);
        assert_eq!(s.value_at(300), 21079);
        assert_eq!(s.value_at(700), 311338);
        assert_eq!(s.max_over(1200), 800000);
    }

    #[test]
    fn flee_registration_correction_halves_earlier_values() {
        let mut s = total();
        let start = Date::parse("2010-06-01").unwrap();
        let day = Date::parse("2014-01-01").unwrap().days_since(start);
        assert!(s.apply_registration_correction(day));
        assert_eq!(s.value_at(0), 1387);
        assert_eq!(s.value_at(300), 10539);
        assert_eq!(s.value_at(700), 155669);
        assert!(!s.apply_registration_correction(day + 1));
    }

    #[test]
    fn flat_outside_the_points() {
        let s = Series::new(vec![(5, 10.0), (15, 20.0)]);
        assert_eq!(s.value_at(-3), 10);
        assert_eq!(s.value_at(10), 15);
        assert_eq!(s.value_at(99), 20);
        assert_eq!(Series::default().value_at(3), 0);
    }
}
