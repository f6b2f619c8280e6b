//! The report's words for dates: month names and human-readable dates.
//!
//! Day numbers are days since 1970-01-01, as in `corridor_model::Date` (`Date(n)`),
//! whose calendar arithmetic and parser are the only ones in corridor; this module
//! only names months and formats dates for people. Pure and total: text that does
//! not parse gives `None` or is shown as it is, never a panic.

use corridor_model::Date;

/// English month abbreviations, used in tick labels.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Day number of `YYYY-MM-DD` text (see `Date::parse`).
pub fn parse(s: &str) -> Option<i64> {
    Date::parse(s).map(|d| d.0)
}

/// Abbreviated month name, 1-based month.
pub fn month_name(m: u32) -> &'static str {
    MONTHS[((m.clamp(1, 12)) - 1) as usize]
}

/// `Oct 2023` from a `YYYY-MM` key; the key itself when it does not parse.
pub fn month_label(key: &str) -> String {
    match Date::parse_month(key) {
        Some((y, m)) => format!("{} {y}", month_name(m)),
        None => key.to_string(),
    }
}

/// Human date for headers: `3 Jan 2024`.
pub fn long(days: i64) -> String {
    let (y, m, d) = Date(days).ymd();
    format!("{d} {} {y}", month_name(m))
}

/// [`long`] of `YYYY-MM-DD` text; the text itself when it does not parse.
pub fn pretty(s: &str) -> String {
    parse(s).map_or_else(|| s.to_string(), long)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_dates() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("2023-02-29"), None);
        assert_eq!(month_label("2023-10"), "Oct 2023");
        assert_eq!(month_label("bad"), "bad");
        assert_eq!(long(parse("2024-01-03").unwrap()), "3 Jan 2024");
        assert_eq!(month_name(12), "Dec");
        assert_eq!(pretty("2023-12-10"), "10 Dec 2023");
        assert_eq!(pretty("soon"), "soon");
    }
}
