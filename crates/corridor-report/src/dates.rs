//! Civil dates as day numbers (days since 1970-01-01), for axis ticks and month grouping.
//!
//! The report must not depend on corridor-model, so it carries its own small
//! proleptic-Gregorian arithmetic (Howard Hinnant's algorithms). Everything here
//! is pure and total: unparseable text gives `None`, never a panic.

/// English month abbreviations, used in tick labels.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Day number of a civil date; `None` when the month or day is out of range.
pub fn from_ymd(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// (year, month, day) of a day number.
pub fn ymd(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
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

/// Parses `YYYY-MM-DD` (also `YYYY-M-D`), surrounding spaces allowed.
pub fn parse(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.trim().parse().ok()?;
    let m: u32 = it.next()?.trim().parse().ok()?;
    let d: u32 = it.next()?.trim().parse().ok()?;
    from_ymd(y, m, d)
}

/// `YYYY-MM-DD`.
pub fn iso(days: i64) -> String {
    let (y, m, d) = ymd(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM`, the month key used by monthly.csv.
pub fn month_key(days: i64) -> String {
    let (y, m, _) = ymd(days);
    format!("{y:04}-{m:02}")
}

/// Abbreviated month name, 1-based month.
pub fn month_name(m: u32) -> &'static str {
    MONTHS[((m.clamp(1, 12)) - 1) as usize]
}

/// `Oct 2023` from a `YYYY-MM` key; the key itself when it does not parse.
pub fn month_label(key: &str) -> String {
    match parse_month_key(key) {
        Some((y, m)) => format!("{} {y}", month_name(m)),
        None => key.to_string(),
    }
}

/// (year, month) of a `YYYY-MM` key.
pub fn parse_month_key(key: &str) -> Option<(i64, u32)> {
    let (y, m) = key.trim().split_once('-')?;
    let y: i64 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    (1..=12).contains(&m).then_some((y, m))
}

/// Human date for headers: `3 Jan 2024`.
pub fn long(days: i64) -> String {
    let (y, m, d) = ymd(days);
    format!("{d} {} {y}", month_name(m))
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
    fn round_trips_and_known_values() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("2000-03-01"), Some(11_017));
        assert_eq!(parse("2023-02-29"), None);
        assert_eq!(parse("2024-02-29").map(iso).as_deref(), Some("2024-02-29"));
        assert_eq!(parse("nonsense"), None);
        for d in [-1000, 0, 59, 60, 11_016, 19_723, 20_000] {
            let (y, m, dd) = ymd(d);
            assert_eq!(from_ymd(y, m, dd), Some(d));
        }
        assert_eq!(month_key(parse("2023-12-31").unwrap()), "2023-12");
        assert_eq!(month_label("2023-10"), "Oct 2023");
        assert_eq!(month_label("bad"), "bad");
        assert_eq!(long(parse("2024-01-03").unwrap()), "3 Jan 2024");
    }
}
