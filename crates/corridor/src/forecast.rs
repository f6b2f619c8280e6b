//! `forecast` and `backtest`: condition count-engine members on what was
//! observed up to an origin and forecast the following months (scenarios) or
//! days (Flee instances) with bands; score such forecasts from a series of
//! origins against naive baselines (docs/forecast.md).
//!
//! This module reads the observations (CBP's monthly layout for scenarios, the
//! instance's own camp series for Flee instances), calls `corridor_forecast` and
//! writes a forecast directory: `forecast.csv`, `nowcast.csv`, `summary.json`,
//! `report.html` and the manifest, as one whole directory (staged, sealed, then
//! put in place: all or nothing, like every corridor output); the report is
//! drawn from the written tables, so `corridor report` redraws the same page.
//! Invariant: the same input, request and seed give the same files whatever the
//! thread count (the forecast crate's guarantee; the renderers iterate in order).

use crate::error::{Error, Result};
use crate::input::{default_out_dir, Input};
use corridor_forecast::{BacktestSpec, ForecastError, Observed, Spec};
use corridor_io::write::InputKind;
use corridor_io::write::{OutputKind, RunArtifacts};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub use corridor_forecast::{Backtest, Forecast, HorizonSkill, SeriesForecast};
pub use corridor_model::Date;

/// True when forecasts of `input` count months (a scenario with monthly
/// observations); false for days (a Flee instance).
pub fn is_monthly(input: &Input) -> bool {
    input.kind == InputKind::Scenario
}

/// What to forecast.
#[derive(Debug, Clone, Default)]
pub struct ForecastRequest {
    /// The last day whose observations and drivers are used (`YYYY-MM-DD`).
    pub origin: Option<Date>,
    /// Newer observations: a CBP monthly file instead of the scenario's own, or
    /// for a Flee instance data in its `source_data/` layout instead of its own.
    pub observed: Option<PathBuf>,
    /// Months (scenarios) or days (Flee instances); default 1 month / 30 days.
    pub horizon: Option<u32>,
    /// Members (particles).
    pub runs: usize,
    pub seed: Option<u64>,
    /// A named variant whose events (all after the origin) are added.
    pub variant: Option<String>,
    /// Default `corridor-out/<scenario>[-<variant>]-forecast-<origin>`.
    pub out: Option<PathBuf>,
}

/// A forecast and where it was written.
#[derive(Debug, Clone)]
pub struct ForecastResult {
    pub forecast: Forecast,
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// What to backtest.
#[derive(Debug, Clone, Default)]
pub struct BacktestRequest {
    /// First and last origin (inclusive).
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Origins every N months (scenarios) or days (Flee instances).
    pub every: u32,
    /// Horizons in the same unit; default [1] month or [30, 60, 90] days.
    pub horizons: Vec<u32>,
    pub runs: usize,
    pub seed: Option<u64>,
    /// As [`ForecastRequest::observed`].
    pub observed: Option<PathBuf>,
    /// Default `corridor-out/<scenario>-backtest`.
    pub out: Option<PathBuf>,
}

/// A backtest and where it was written.
#[derive(Debug, Clone)]
pub struct BacktestResult {
    pub backtest: Backtest,
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
}

fn forecast_error(e: ForecastError, what: &str) -> Error {
    if e.is_bad_input() {
        let mut msg = format!("{what}: {e}");
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            let _ = write!(msg, ": {s}");
            src = s.source();
        }
        Error::bad(msg)
    } else {
        match e {
            ForecastError::Model { source, seed } => Error::Model {
                context: format!("{what}: simulating a member (seed {seed})"),
                source: Box::new(source),
            },
            other => Error::bad(format!("{what}: {other}")),
        }
    }
}

/// The observations a forecast of `input` conditions on.
pub fn observations(input: &Input, observed: Option<&Path>) -> Result<Observed> {
    Ok(conditioned(input, observed)?.1)
}

/// The input a forecast or backtest runs, and the observations it conditions
/// on. For a scenario `observed` is a CBP monthly file instead of the
/// scenario's own; for a Flee instance it is data in the layout of its
/// `source_data/` that replaces the instance's own (the camp series, the total
/// and everything they drive, as in an instance updated with newer data), so
/// the instance is read again with it.
fn conditioned<'a>(
    input: &'a Input,
    observed: Option<&Path>,
) -> Result<(Cow<'a, Input>, Observed)> {
    if input.kind == InputKind::Flee {
        let input = match (observed, &input.dir) {
            (Some(p), Some(dir)) => Cow::Owned(crate::input::load_flee_with_data(dir, p)?),
            (Some(p), None) => {
                return Err(Error::bad(format!(
                    "{}: --observed needs the Flee instance's directory to read it again",
                    p.display()
                )))
            }
            (None, _) => Cow::Borrowed(input),
        };
        let camps = Observed::camps_of(&input.scenario);
        return Ok((input, camps));
    }
    let Some((parsed, _)) = input.cbp_observations(observed)? else {
        return Err(Error::bad(format!(
            "{}: the scenario names no observations ([observations] cbp_monthly); pass --observed FILE",
            input.source
        )));
    };
    Ok((Cow::Borrowed(input), Observed::Monthly(parsed)))
}

fn variant_events(
    input: &Input,
    variant: Option<&str>,
) -> Result<Vec<corridor_model::border::Event>> {
    let Some(name) = variant else {
        return Ok(Vec::new());
    };
    // Validates the name (and the input kind) the way every command does.
    input.with_variant(Some(name))?;
    Ok(input
        .scenario
        .border
        .variant(name)
        .map(|v| v.events.clone())
        .unwrap_or_default())
}

/// Runs a forecast and writes its directory.
pub fn forecast(input: &Input, req: &ForecastRequest) -> Result<ForecastResult> {
    let c = compute_forecast(input, req)?;
    // The inputs listed in summary.json include the observations read.
    let ran = c.input.as_ref().unwrap_or(input);
    let dir = forecast_dir(ran, req, &c.forecast);
    let files = write_forecast_dir(&dir, ran, req.variant.as_deref(), &c.forecast)?;
    Ok(ForecastResult {
        forecast: c.forecast,
        dir,
        files,
    })
}

/// The directory [`forecast`] writes `f` into: `req.out`, else
/// `corridor-out/<scenario>[-<variant>]-forecast-<origin>`.
pub fn forecast_dir(input: &Input, req: &ForecastRequest, f: &Forecast) -> PathBuf {
    req.out.clone().unwrap_or_else(|| {
        default_out_dir(
            &input.scenario.name,
            req.variant.as_deref(),
            &format!("forecast-{}", f.origin),
        )
    })
}

/// A forecast computed in memory ([`compute_forecast`]).
#[derive(Debug, Clone)]
pub struct ComputedForecast {
    pub forecast: Forecast,
    /// The input it ran when that is not the one given: a Flee instance read
    /// again with newer data (`observed`). Its files are the inputs that
    /// [`summary_json`] and [`write_forecast_dir`] record.
    pub input: Option<Input>,
}

/// Runs a forecast without writing anything (for front ends that hand the
/// result over in memory, the Python package; [`forecast`] writes it).
pub fn compute_forecast(input: &Input, req: &ForecastRequest) -> Result<ComputedForecast> {
    let (ran, observed) = conditioned(input, req.observed.as_deref())?;
    let forecast = forecast_of(&ran, observed, req)?;
    Ok(ComputedForecast {
        forecast,
        input: match ran {
            Cow::Owned(i) => Some(i),
            Cow::Borrowed(_) => None,
        },
    })
}

/// [`compute_forecast`] of an input already [`conditioned`] on `observed`.
fn forecast_of(input: &Input, observed: Observed, req: &ForecastRequest) -> Result<Forecast> {
    let origin = req
        .origin
        .ok_or_else(|| Error::bad("a forecast needs an origin (--origin YYYY-MM-DD)"))?;
    let horizon = req
        .horizon
        .unwrap_or(if observed.is_monthly() { 1 } else { 30 });
    let spec = Spec {
        origin,
        horizon,
        members: req.runs,
        seed: input.seed(req.seed),
        added_events: variant_events(input, req.variant.as_deref())?,
    };
    let what = format!("forecasting {} from {origin}", input.scenario.name);
    corridor_forecast::forecast(&input.scenario, &observed, &spec)
        .map_err(|e| forecast_error(e, &what))
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `forecast.csv`: per series and forecast period, mean and quantiles (people).
pub fn forecast_csv(f: &Forecast) -> String {
    let mut s = String::new();
    let monthly = f.unit == "months";
    if monthly {
        s.push_str("month,component,area_of_responsibility,mean,p5,p50,p95\n");
    } else {
        s.push_str("date,location,mean,p5,p50,p95\n");
    }
    for sf in &f.series {
        for b in &sf.forecast {
            series_cells(&mut s, monthly, &b.period, sf);
            let _ = writeln!(s, "{:.1},{:.1},{:.1},{:.1}", b.mean, b.p5, b.p50, b.p95);
        }
    }
    s
}

/// The leading cells of a forecast.csv or nowcast.csv row, with their comma:
/// `month,component,area_of_responsibility,` or `date,location,`.
fn series_cells(s: &mut String, monthly: bool, period: &str, sf: &SeriesForecast) {
    if monthly {
        let component = sf.component.as_deref().unwrap_or("");
        let _ = write!(s, "{period},{},{},", field(component), field(&sf.name));
    } else {
        let _ = write!(s, "{period},{},", field(&sf.name));
    }
}

/// `nowcast.csv`: per series and period up to the origin, the observation used
/// (empty where there is none) and the members' mean and quantiles (people):
/// how the conditioned members follow what was observed.
pub fn nowcast_csv(f: &Forecast) -> String {
    let mut s = String::new();
    let monthly = f.unit == "months";
    if monthly {
        s.push_str("month,component,area_of_responsibility,observed,mean,p5,p50,p95\n");
    } else {
        s.push_str("date,location,observed,mean,p5,p50,p95\n");
    }
    for sf in &f.series {
        let observed: std::collections::HashMap<&str, f64> =
            sf.observed.iter().map(|(p, v)| (p.as_str(), *v)).collect();
        for b in &sf.nowcast {
            series_cells(&mut s, monthly, &b.period, sf);
            if let Some(v) = observed.get(b.period.as_str()) {
                let _ = write!(s, "{v:.1}");
            }
            let _ = writeln!(s, ",{:.1},{:.1},{:.1},{:.1}", b.mean, b.p5, b.p50, b.p95);
        }
    }
    s
}

/// `summary.json`: the request, what was used, the method and the filter's
/// effective sample size over time.
pub fn summary_json(f: &Forecast, input: &Input, variant: Option<&str>) -> String {
    let v = serde_json::json!({
        "scenario": input.scenario.name,
        "command": "forecast",
        "origin": f.origin.to_string(),
        "unit": f.unit,
        "horizon": f.horizon,
        "members": f.members,
        "histories": f.histories,
        "seed": f.seed,
        "variant": variant,
        "engine": "counts",
        "method": f.method,
        "observations_used": f.observations_used,
        "observed_periods_used": f.series.iter().map(|s| s.observed.len()).sum::<usize>(),
        "series": f.series.iter().map(|s| match &s.component {
            Some(c) => format!("{c}, {}", s.name),
            None => s.name.clone(),
        }).collect::<Vec<_>>(),
        "unmatched_series": f.unmatched,
        "effective_sample_size": f.ess,
        "inputs": input.inputs,
        "corridor_version": env!("CARGO_PKG_VERSION"),
    });
    let mut s = serde_json::to_string_pretty(&v).expect("JSON values serialise");
    s.push('\n');
    s
}

/// Writes the forecast directory `dir` as one whole directory: forecast.csv,
/// nowcast.csv, summary.json, then report.html drawn from them and the
/// manifest. Returns the paths of its files.
pub fn write_forecast_dir(
    dir: &Path,
    input: &Input,
    variant: Option<&str>,
    f: &Forecast,
) -> Result<Vec<PathBuf>> {
    let files = [
        ("forecast.csv", forecast_csv(f)),
        ("nowcast.csv", nowcast_csv(f)),
        ("summary.json", summary_json(f, input, variant)),
    ];
    write_whole_files(dir, OutputKind::Forecast, true, files)
}

/// Writes `files` (name, text) into `dir` as one whole directory of `kind`
/// (`crate::write_rendered`), with report.html when `report`; returns the paths
/// of every file it holds.
fn write_whole_files(
    dir: &Path,
    kind: OutputKind,
    report: bool,
    files: [(&str, String); 3],
) -> Result<Vec<PathBuf>> {
    let mut rendered = RunArtifacts::default();
    for (name, text) in files {
        rendered.add(name, text);
    }
    let names = crate::write_rendered(dir, kind, &rendered, report, kind.as_str())?;
    Ok(names.iter().map(|name| dir.join(name)).collect())
}

/// The origins `from, from + every, ... ≤ to` (days, or months keeping the day
/// of the month, clamped to the month's length).
pub fn origins(from: Date, to: Date, every: u32, monthly: bool) -> Vec<Date> {
    let mut out = Vec::new();
    if every == 0 {
        return out;
    }
    let (y0, m0, d0) = from.ymd();
    for i in 0.. {
        let d = if monthly {
            let months = m0 as i64 - 1 + i * every as i64;
            let (y, m) = (
                y0 + months.div_euclid(12),
                (months.rem_euclid(12) + 1) as u32,
            );
            let mut day = d0;
            loop {
                if let Some(d) = Date::from_ymd(y, m, day) {
                    break d;
                }
                day -= 1;
            }
        } else {
            from.add_days(i * every as i64)
        };
        if d > to {
            break;
        }
        out.push(d);
    }
    out
}

/// Runs a backtest (`on_origin` after each origin's forecast) and writes its
/// directory (`req.out`, else `corridor-out/<scenario>-backtest`): skill.csv,
/// outcomes.csv, summary.json.
pub fn backtest(
    input: &Input,
    req: &BacktestRequest,
    on_origin: &(dyn Fn() + Sync),
) -> Result<BacktestResult> {
    let (input, observed) = conditioned(input, req.observed.as_deref())?;
    let b = backtest_of(&input, observed, req, on_origin)?;
    let dir = req
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&input.scenario.name, None, "backtest"));
    let files = write_backtest_dir(&dir, &input, &b)?;
    Ok(BacktestResult {
        backtest: b,
        dir,
        files,
    })
}

/// Runs a backtest without writing anything (for front ends that hand the
/// result over in memory, the Python package; [`backtest`] writes it).
pub fn compute_backtest(
    input: &Input,
    req: &BacktestRequest,
    on_origin: &(dyn Fn() + Sync),
) -> Result<Backtest> {
    let (input, observed) = conditioned(input, req.observed.as_deref())?;
    backtest_of(&input, observed, req, on_origin)
}

/// [`compute_backtest`] of an input already [`conditioned`] on `observed`.
fn backtest_of(
    input: &Input,
    observed: Observed,
    req: &BacktestRequest,
    on_origin: &(dyn Fn() + Sync),
) -> Result<Backtest> {
    let monthly = observed.is_monthly();
    let (Some(from), Some(to)) = (req.from, req.to) else {
        return Err(Error::bad("a backtest needs --origins FROM..TO"));
    };
    let list = origins(from, to, req.every, monthly);
    if list.is_empty() {
        return Err(Error::bad(format!(
            "--origins {from}..{to} --every {}: no origin (FROM must not be after TO, N ≥ 1)",
            req.every
        )));
    }
    let horizons = if req.horizons.is_empty() {
        if monthly {
            vec![1]
        } else {
            vec![30, 60, 90]
        }
    } else {
        req.horizons.clone()
    };
    let spec = BacktestSpec {
        origins: list,
        horizons,
        members: req.runs,
        seed: input.seed(req.seed),
    };
    corridor_forecast::backtest(&input.scenario, &observed, &spec, on_origin)
        .map_err(|e| forecast_error(e, &format!("backtesting {}", input.scenario.name)))
}

/// A number for a CSV cell: empty when there is none (or it is not finite).
fn cell(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.decimals$}"),
        _ => String::new(),
    }
}

/// `skill.csv`: per horizon, what [`skill_table`] prints (ratios and coverage
/// as fractions, CRPS in people).
pub fn skill_csv(b: &Backtest) -> String {
    let mut s = String::from(
        "horizon,outcomes,mae_ratio,seasonal_mae_ratio,seasonal_outcomes,plain_mae_ratio,\
         plain_outcomes,crps,persistence_crps,coverage\n",
    );
    for h in &b.skill {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{}",
            h.horizon,
            h.outcomes,
            cell(Some(h.mae_ratio), 4),
            cell(h.seasonal_mae_ratio, 4),
            h.seasonal_outcomes,
            cell(h.plain_mae_ratio, 4),
            h.plain_outcomes,
            cell(Some(h.crps), 1),
            cell(Some(h.persistence_crps), 1),
            cell(Some(h.coverage), 4)
        );
    }
    s
}

/// `outcomes.csv`: every scored outcome (people), one row per origin, series
/// and horizon, with the baselines beside the forecast.
pub fn outcomes_csv(b: &Backtest) -> String {
    let monthly = b.unit == "months";
    let mut s = String::from(if monthly {
        "origin,horizon,month,component,area_of_responsibility,"
    } else {
        "origin,horizon,date,location,"
    });
    s.push_str("observed,mean,p5,p50,p95,crps,persistence,seasonal,plain\n");
    for o in &b.outcomes {
        let _ = write!(s, "{},{},{},", o.origin, o.horizon, o.period);
        if monthly {
            let _ = write!(s, "{},", field(o.component.as_deref().unwrap_or("")));
        }
        let _ = writeln!(
            s,
            "{},{:.1},{:.1},{:.1},{:.1},{:.1},{:.1},{:.1},{},{}",
            field(&o.series),
            o.observed,
            o.mean,
            o.p5,
            o.p50,
            o.p95,
            o.crps,
            o.persistence,
            cell(o.seasonal, 1),
            cell(o.plain, 1)
        );
    }
    s
}

/// The backtest's `summary.json`: what was asked and how it went.
pub fn backtest_summary_json(b: &Backtest, input: &Input) -> String {
    let v = serde_json::json!({
        "scenario": input.scenario.name,
        "command": "backtest",
        "unit": b.unit,
        "origins": b.origins,
        "horizons": b.skill.iter().map(|h| h.horizon).collect::<Vec<_>>(),
        "members": b.members,
        "seed": b.seed,
        "engine": "counts",
        "outcomes": b.outcomes.len(),
        "skill": b.skill,
        "inputs": input.inputs,
        "corridor_version": env!("CARGO_PKG_VERSION"),
    });
    let mut s = serde_json::to_string_pretty(&v).expect("JSON values serialise");
    s.push('\n');
    s
}

/// Writes the backtest directory `dir` as one whole directory: skill.csv,
/// outcomes.csv, summary.json and the manifest (no report). Returns the paths
/// of its files.
pub fn write_backtest_dir(dir: &Path, input: &Input, b: &Backtest) -> Result<Vec<PathBuf>> {
    let files = [
        ("skill.csv", skill_csv(b)),
        ("outcomes.csv", outcomes_csv(b)),
        ("summary.json", backtest_summary_json(b, input)),
    ];
    write_whole_files(dir, OutputKind::Backtest, false, files)
}

/// The backtest's skill per horizon as an aligned text table.
pub fn skill_table(b: &Backtest) -> String {
    let opt = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{x:.2}"));
    let mut s = format!(
        "{:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>11} {:>9}\n",
        format!("h ({})", b.unit),
        "outcomes",
        "MAE/pers",
        "seasonal",
        "plain",
        "CRPS",
        "CRPS pers.",
        "cover90"
    );
    for h in &b.skill {
        let _ = writeln!(
            s,
            "{:>8} {:>8} {:>9.2} {:>9} {:>9} {:>9.1} {:>11.1} {:>8.0}%",
            h.horizon,
            h.outcomes,
            h.mae_ratio,
            opt(h.seasonal_mae_ratio),
            opt(h.plain_mae_ratio),
            h.crps,
            h.persistence_crps,
            100.0 * h.coverage
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_step_in_days_or_months() {
        let d = |s: &str| Date::parse(s).unwrap();
        assert_eq!(
            origins(d("2012-03-01"), d("2012-04-01"), 15, false),
            vec![d("2012-03-01"), d("2012-03-16"), d("2012-03-31")]
        );
        assert_eq!(
            origins(d("2023-07-31"), d("2023-10-31"), 1, true),
            vec![
                d("2023-07-31"),
                d("2023-08-31"),
                d("2023-09-30"),
                d("2023-10-31")
            ]
        );
        assert!(origins(d("2023-07-31"), d("2023-06-30"), 1, true).is_empty());
    }
}
