//! report.html of a forecast directory (`corridor forecast`): per observed area
//! or camp, the observations used, the members' nowcast up to the origin and the
//! forecast fan after it (median with a p5–p95 band), drawn with the shared
//! chart helpers; plus the effective sample size of the filter over time.
//!
//! Unlike the other pages it is rendered from typed data the caller passes
//! ([`ForecastPage`]), not re-read from files. Invariants as for every page: no
//! external request, every string escaped, the same data give the same bytes.

use crate::chart::{color, legend_for_lines, multiples, Line, LineChart, Style, XAxis};
use crate::html::{esc, num, page, table, Header, Section};
use corridor_model::Date;

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

/// The page's HTML.
pub fn forecast_page(f: &ForecastPage) -> String {
    let header = Header {
        title: format!("{} — forecast from {}", f.scenario, f.origin),
        subtitle: "Observed, nowcast (members up to the origin) and forecast (median, p5–p95)"
            .into(),
        facts: vec![
            ("origin".into(), esc(&f.origin.to_string())),
            ("horizon".into(), esc(&format!("{} {}", f.horizon, f.unit))),
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
    let mut sections = vec![Section {
        id: "fan".into(),
        title: "Forecast per series".into(),
        body: multiples(&charts, &legend_for_lines(&legend_lines)),
    }];
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
        assert!(!h.contains("A <&> B"));
        assert_eq!(h, forecast_page(&f));
    }
}
