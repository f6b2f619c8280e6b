//! report.html of a forecast directory (`corridor forecast`): per observed area
//! or camp, the observations used, the members' nowcast up to the origin and the
//! forecast fan after it (median with a p5–p95 band), drawn with the shared
//! chart helpers; plus the effective sample size of the filter over time.
//!
//! Like the other pages it is drawn from the directory's files ([`load`]:
//! forecast.csv, nowcast.csv, summary.json), so `corridor report` redraws the
//! page `corridor forecast` wrote. Invariants as for every page: no external
//! request, every string escaped, the same data give the same bytes.

use crate::chart::{color, legend_for_lines, multiples, Line, LineChart, Style, XAxis};
use crate::error::ReportError;
use crate::html::{esc, num, num_fixed, page, table, Header, Section};
use crate::load::{read_json, Check, Table};
use corridor_model::Date;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// One (date, mean, p5, p50, p95) point of a band; dates are period starts.
#[derive(Debug, Clone, PartialEq)]
pub struct BandPoint {
    pub date: Date,
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// One area's or camp's series.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastSeries {
    pub name: String,
    pub observed: Vec<(Date, f64)>,
    pub nowcast: Vec<BandPoint>,
    pub forecast: Vec<BandPoint>,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastPage {
    pub scenario: String,
    pub origin: Date,
    /// `months` or `days`.
    pub unit: String,
    pub horizon: u32,
    pub members: usize,
    pub method: String,
    /// People per period, e.g. "encounters per month (people)".
    pub y_label: String,
    pub series: Vec<ForecastSeries>,
    /// (date, effective sample size, resampled).
    pub ess: Vec<(Date, f64, bool)>,
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The vertical axis of a forecast counting `unit` ("months": CBP encounters;
/// "days": camp populations).
pub fn y_label(unit: &str) -> &'static str {
    if unit == "months" {
        "encounters per month (people)"
    } else {
        "people in camp"
    }
}

/// Reads a forecast directory back (checking its manifest as `check` says).
pub fn load(dir: &Path, check: Check) -> Result<ForecastPage, ReportError> {
    if check == Check::Manifest && dir.join(corridor_io::write::MANIFEST_FILE).exists() {
        corridor_io::write::check_dir(dir)?;
    }
    let summary_path = dir.join("summary.json");
    let summary = read_json(&summary_path)?;
    let field = |name: &str| -> Result<&Value, ReportError> {
        summary.get(name).ok_or_else(|| ReportError::BadField {
            path: summary_path.clone(),
            field: name.into(),
            message: "missing".into(),
        })
    };
    let bad = |name: &str, what: &str| ReportError::BadField {
        path: summary_path.clone(),
        field: name.into(),
        message: format!("expected {what}"),
    };
    let text = |name: &str| -> Result<String, ReportError> {
        field(name)?
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| bad(name, "a string"))
    };
    let whole = |name: &str| -> Result<u64, ReportError> {
        field(name)?
            .as_u64()
            .ok_or_else(|| bad(name, "a whole number"))
    };
    let origin = Date::parse(&text("origin")?).ok_or_else(|| bad("origin", "a date YYYY-MM-DD"))?;
    let unit = text("unit")?;
    let mut ess = Vec::new();
    for e in field("effective_sample_size")?
        .as_array()
        .ok_or_else(|| bad("effective_sample_size", "a list"))?
    {
        let point = (|| {
            Some((
                period_date(e.get("period")?.as_str()?)?,
                e.get("ess")?.as_f64()?,
                e.get("resampled")?.as_bool()?,
            ))
        })();
        ess.push(
            point
                .ok_or_else(|| bad("effective_sample_size", "{period, ess, resampled} entries"))?,
        );
    }
    let mut series: Vec<ForecastSeries> = Vec::new();
    let mut index = HashMap::new();
    read_bands(&dir.join("nowcast.csv"), &mut series, &mut index, true)?;
    read_bands(&dir.join("forecast.csv"), &mut series, &mut index, false)?;
    Ok(ForecastPage {
        scenario: text("scenario")?,
        origin,
        y_label: y_label(&unit).into(),
        unit,
        horizon: u32::try_from(whole("horizon")?).map_err(|_| bad("horizon", "a horizon"))?,
        members: whole("members")? as usize,
        method: text("method")?,
        series,
        ess,
    })
}

/// A period's first day: `YYYY-MM-DD`, or `YYYY-MM` (its first of the month).
fn period_date(label: &str) -> Option<Date> {
    Date::parse(label).or_else(|| {
        let (y, m) = Date::parse_month(label)?;
        Date::from_ymd(y, m, 1)
    })
}

/// Adds the rows of nowcast.csv (`nowcast`: with its `observed` column) or
/// forecast.csv to their series, named "area (component)" for CBP areas.
fn read_bands(
    path: &Path,
    series: &mut Vec<ForecastSeries>,
    index: &mut HashMap<String, usize>,
    nowcast: bool,
) -> Result<(), ReportError> {
    let t = Table::read(path)?;
    let monthly = t.opt("month").is_some();
    let c_period = t.col(if monthly { "month" } else { "date" })?;
    let c_name = t.col(if monthly {
        "area_of_responsibility"
    } else {
        "location"
    })?;
    let c_component = if monthly {
        Some(t.col("component")?)
    } else {
        None
    };
    let c_observed = if nowcast {
        Some(t.col("observed")?)
    } else {
        None
    };
    let [c_mean, c_p5, c_p50, c_p95] = ["mean", "p5", "p50", "p95"].map(|c| t.col(c));
    let (c_mean, c_p5, c_p50, c_p95) = (c_mean?, c_p5?, c_p50?, c_p95?);
    for (line, rec) in &t.rows {
        let line = *line;
        let period = t.str(line, rec, c_period)?;
        let date = period_date(period).ok_or_else(|| {
            t.bad(
                line,
                c_period,
                format!("expected a month or a date, found `{period}`"),
            )
        })?;
        let area = t.str(line, rec, c_name)?;
        let name = match c_component {
            Some(c) => match t.str(line, rec, c)? {
                "" => area.to_string(),
                component => format!("{area} ({component})"),
            },
            None => area.to_string(),
        };
        let i = *index.entry(name.clone()).or_insert_with(|| {
            series.push(ForecastSeries {
                name,
                observed: Vec::new(),
                nowcast: Vec::new(),
                forecast: Vec::new(),
            });
            series.len() - 1
        });
        if let Some(c) = c_observed {
            if !t.str(line, rec, c)?.is_empty() {
                series[i].observed.push((date, t.num(line, rec, c)?));
            }
        }
        let point = BandPoint {
            date,
            mean: t.num(line, rec, c_mean)?,
            p5: t.num(line, rec, c_p5)?,
            p50: t.num(line, rec, c_p50)?,
            p95: t.num(line, rec, c_p95)?,
        };
        if nowcast {
            series[i].nowcast.push(point);
        } else {
            series[i].forecast.push(point);
        }
    }
    Ok(())
}

fn band_line(name: &str, col: &str, pts: &[BandPoint], style: Style) -> Line {
    let mut l = Line::new(
        name,
        col,
        pts.iter().map(|p| (p.date.0 as f64, p.p50)).collect(),
    );
    l.band = pts.iter().map(|p| (p.p5, p.p95)).collect();
    l.style = style;
    l
}

/// A period's words: `Sep 2023` for a month, `3 Jan 2024` for a day.
fn period_words(unit: &str, d: Date) -> String {
    let (y, m, _) = d.ymd();
    if unit == "months" {
        crate::dates::month_label(&format!("{y:04}-{m:02}"))
    } else {
        crate::dates::long(d.0)
    }
}

/// The answer first: per series, the forecast for the horizon's last period
/// (median and p5–p95) against the series' last observation.
fn answer(f: &ForecastPage) -> Option<Section> {
    let end = f
        .series
        .iter()
        .filter_map(|s| s.forecast.last())
        .map(|p| p.date)
        .max()?;
    let rows: Vec<Vec<String>> = f
        .series
        .iter()
        .filter_map(|s| {
            let p = s.forecast.iter().find(|p| p.date == end)?;
            let (last, change) = match s.observed.last() {
                Some(&(d, v)) => (
                    format!("{} ({})", num(v, 0), esc(&period_words(&f.unit, d))),
                    if v > 0.0 {
                        let c = (p.p50 / v - 1.0) * 100.0;
                        format!("{}{} %", if c > 0.0 { "+" } else { "" }, num_fixed(c, 0))
                    } else {
                        "–".into()
                    },
                ),
                None => ("–".into(), "–".into()),
            };
            Some(vec![
                esc(&s.name),
                last,
                num(p.p50, 0),
                format!("{}–{}", num(p.p5, 0), num(p.p95, 0)),
                change,
            ])
        })
        .collect();
    let head: Vec<String> = [
        "series",
        "last observed",
        "forecast (p50)",
        "p5–p95",
        "p50 against the last observed",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    Some(Section {
        id: "answer".into(),
        title: format!("Forecast for {}", period_words(&f.unit, end)),
        body: format!(
            "<p>The forecast for {} per series, in {}, from {} members conditioned on the \
             observations up to {}: the median (p50) and the 5th–95th percentile of the \
             members, beside the series' last observation.</p>{}",
            esc(&period_words(&f.unit, end)),
            esc(&f.y_label),
            f.members,
            esc(&crate::dates::long(f.origin.0)),
            table("num", &head, &rows)
        ),
    })
}

/// The page's HTML.
pub fn forecast_page(f: &ForecastPage) -> String {
    let header = Header {
        title: format!("{} — forecast from {}", f.scenario, f.origin),
        subtitle: "Observed, nowcast (members up to the origin) and forecast (median, p5–p95)"
            .into(),
        facts: vec![
            ("origin".into(), esc(&f.origin.to_string())),
            (
                "horizon".into(),
                esc(&format!(
                    "{} {}",
                    f.horizon,
                    if f.horizon == 1 {
                        f.unit.trim_end_matches('s')
                    } else {
                        &f.unit
                    }
                )),
            ),
            ("members".into(), f.members.to_string()),
        ],
    };
    let mut charts = Vec::new();
    let mut legend_lines = Vec::new();
    for s in &f.series {
        let mut c = LineChart::new(&s.name, XAxis::Dates, &f.y_label);
        let mut obs = Line::new(
            "observed",
            color(0),
            s.observed.iter().map(|(d, v)| (d.0 as f64, *v)).collect(),
        );
        obs.style = Style::Solid;
        let now = band_line("nowcast (p50, p5–p95)", color(1), &s.nowcast, Style::Solid);
        let fc = band_line(
            "forecast (p50, p5–p95)",
            color(2),
            &s.forecast,
            Style::Dashed,
        );
        if legend_lines.is_empty() {
            legend_lines = vec![obs.clone(), now.clone(), fc.clone()];
        }
        c.lines = vec![now, fc, obs];
        charts.push(c);
    }
    let mut sections: Vec<Section> = answer(f).into_iter().collect();
    sections.push(Section {
        id: "fan".into(),
        title: "Forecast per series".into(),
        body: multiples(&charts, &legend_for_lines(&legend_lines)),
    });
    let rows: Vec<Vec<String>> = f
        .series
        .iter()
        .flat_map(|s| {
            s.forecast.iter().map(move |p| {
                vec![
                    esc(&s.name),
                    esc(&p.date.to_string()),
                    num(p.mean, 0),
                    num(p.p5, 0),
                    num(p.p50, 0),
                    num(p.p95, 0),
                ]
            })
        })
        .collect();
    let head: Vec<String> = ["series", "period from", "mean", "p5", "p50", "p95"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    sections.push(Section {
        id: "table".into(),
        title: "Forecast table".into(),
        body: table("num", &head, &rows),
    });
    let mut ess = LineChart::new("Effective sample size", XAxis::Dates, "members");
    ess.lines = vec![Line::new(
        "effective sample size before resampling",
        color(3),
        f.ess.iter().map(|(d, e, _)| (d.0 as f64, *e)).collect(),
    )];
    sections.push(Section {
        id: "filter".into(),
        title: "Filter".into(),
        body: format!(
            "<p>{}</p>{}",
            esc(&f.method),
            if ess.is_empty() {
                String::new()
            } else {
                ess.figure()
            }
        ),
    });
    page(&header, &sections, None, VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_shows_every_series_escaped() {
        let d = Date::parse("2023-09-01").unwrap();
        let bp = |v: f64| BandPoint {
            date: d,
            mean: v,
            p5: v - 1.0,
            p50: v,
            p95: v + 1.0,
        };
        let f = ForecastPage {
            scenario: "s".into(),
            origin: d,
            unit: "months".into(),
            horizon: 1,
            members: 3,
            method: "m".into(),
            y_label: "people".into(),
            series: vec![ForecastSeries {
                name: "A <&> B".into(),
                observed: vec![(d, 5.0)],
                nowcast: vec![bp(4.0)],
                forecast: vec![bp(6.0)],
            }],
            ess: vec![(d, 2.5, true)],
        };
        let h = forecast_page(&f);
        assert!(h.contains("A &lt;&amp;&gt; B"));
        // The answer first: the forecast against the last observation.
        assert!(
            h.find("Forecast for Sep 2023") < h.find("Forecast per series"),
            "{h}"
        );
        assert!(h.contains("<td class=\"num\">+20 %</td>"), "{h}");
        assert!(!h.contains("A <&> B"));
        assert_eq!(h, forecast_page(&f));
    }

    /// A forecast directory of CBP areas (no manifest: read as it is).
    fn monthly_dir(nowcast_row: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let w = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        w(
            "summary.json",
            r#"{"scenario":"s","origin":"2023-08-31","unit":"months","horizon":1,
                "members":3,"method":"m","effective_sample_size":
                [{"period":"2023-08","ess":2.5,"resampled":true}]}"#,
        );
        w(
            "nowcast.csv",
            &format!("month,component,area_of_responsibility,observed,mean,p5,p50,p95\n2023-07,OFO,\"El Paso, TX\",,1,0,1,2\n{nowcast_row}\n"),
        );
        w(
            "forecast.csv",
            "month,component,area_of_responsibility,mean,p5,p50,p95\n2023-09,OFO,\"El Paso, TX\",4,3,4,5\n",
        );
        dir
    }

    #[test]
    fn a_forecast_directory_reads_back_as_its_page() {
        let dir = monthly_dir("2023-08,OFO,\"El Paso, TX\",7,2,1,2,3");
        let f = load(dir.path(), Check::Manifest).unwrap();
        assert_eq!(f.y_label, y_label("months"));
        assert_eq!(f.series.len(), 1);
        let s = &f.series[0];
        assert_eq!(s.name, "El Paso, TX (OFO)");
        assert_eq!(s.observed, vec![(Date::from_ymd(2023, 8, 1).unwrap(), 7.0)]);
        assert_eq!(s.nowcast.len(), 2);
        assert_eq!(s.forecast[0].p95, 5.0);
        assert_eq!(
            f.ess,
            vec![(Date::from_ymd(2023, 8, 1).unwrap(), 2.5, true)]
        );
    }

    #[test]
    fn a_bad_cell_is_named_by_file_line_and_column() {
        let dir = monthly_dir("2023-08,OFO,\"El Paso, TX\",seven,2,1,2,3");
        let e = load(dir.path(), Check::Manifest).unwrap_err().to_string();
        assert!(e.contains("nowcast.csv, line 3, column `observed`"), "{e}");
        assert!(e.contains("found `seven`"), "{e}");
    }
}
