//! Civil dates (proleptic Gregorian) as day numbers, without a date crate.
//!
//! The model counts time in whole days from a scenario's start date; dates only
//! matter for reading inputs and labelling outputs. `Date` is a day count since
//! 1970-01-01 so that differences and offsets are plain integer arithmetic.

use std::fmt;

/// A calendar date, stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Date(pub i64);

impl Date {
    /// Builds a date; `None` if the month or day is out of range.
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = (m as i64 + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date(era * 146_097 + doe - 719_468))
    }

    /// Parses `YYYY-MM-DD` (one- or two-digit month and day accepted, surrounding
    /// spaces allowed): ASCII digits only, the year in 1..=9999 so that day
    /// arithmetic can never overflow. The one date parser: the input readers and
    /// the report use it.
    pub fn parse(s: &str) -> Option<Date> {
        let mut parts = s.trim().split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let digits = |p: &str, max_len: usize| {
            !p.is_empty() && p.len() <= max_len && p.bytes().all(|b| b.is_ascii_digit())
        };
        if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
            return None;
        }
        let y: i64 = y.parse().ok()?;
        if y == 0 {
            return None;
        }
        Date::from_ymd(y, m.parse().ok()?, d.parse().ok()?)
    }

    /// Parses a `YYYY-MM` month label (see [`Date::month_label`]) into (year, month).
    pub fn parse_month(key: &str) -> Option<(i64, u32)> {
        let (y, m) = key.trim().split_once('-')?;
        let y: i64 = y.parse().ok()?;
        let m: u32 = m.parse().ok()?;
        (1..=12).contains(&m).then_some((y, m))
    }

    /// (year, month, day).
    pub fn ymd(self) -> (i64, u32, u32) {
        let z = self.0 + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (if m <= 2 { y + 1 } else { y }, m, d)
    }

    /// The date `days` later (or earlier when negative).
    pub fn add_days(self, days: i64) -> Date {
        Date(self.0 + days)
    }

    /// Whole days from `other` to `self`.
    pub fn days_since(self, other: Date) -> i64 {
        self.0 - other.0
    }

    /// `YYYY-MM`, the month label used by monthly outputs.
    pub fn month_label(self) -> String {
        let (y, m, _) = self.ymd();
        format!("{y:04}-{m:02}")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_offsets() {
        let d = Date::parse("2012-02-29").unwrap();
        assert_eq!(d.to_string(), "2012-02-29");
        assert_eq!(d.add_days(1).to_string(), "2012-03-01");
        assert_eq!(Date::parse("1970-01-01").unwrap().0, 0);
        assert_eq!(
            Date::parse("2024-01-04")
                .unwrap()
                .days_since(Date::parse("2023-12-04").unwrap()),
            31
        );
        assert!(Date::parse("2013-02-29").is_none());
        assert!(Date::parse("2013-13-01").is_none());
        assert!(Date::parse("yesterday").is_none());
        assert_eq!(Date::parse(" 2012-2-9 ").unwrap().to_string(), "2012-02-09");
        for bad in [
            "99999999999-01-01",
            "2012-01-01-01",
            "2012/01/01",
            "+2012-01-01",
            "0-01-01",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Date::parse_month("2023-10"), Some((2023, 10)));
        assert_eq!(Date::parse_month("2023-13"), None);
        assert_eq!(Date::parse_month("bad"), None);
        for n in -1000..1000 {
            let x = Date(n * 37);
            assert_eq!(Date::parse(&x.to_string()), Some(x));
        }
    }
}
