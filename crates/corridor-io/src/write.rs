//! Writers of a run directory (DESIGN §5): out.csv, daily.csv, observed.csv,
//! ports.csv, monthly.csv, network.json and summary.json; the key numbers and
//! compare.json of a comparison of policy variants; and the atomic file write they
//! all go through.
//!
//! Units: daily.csv, ports.csv and summary.json count agents, as the records do
//! (one agent = `hasten` people, Flee's convention); monthly.csv, the key numbers
//! and compare.json count people (agents × `hasten`), because they are read next
//! to CBP's published counts; network.json echoes the port settings in people, as
//! they were given in ports.csv.
//!
//! Invariants:
//! * Every file is rendered in memory first ([`RunArtifacts::render`]); only then is
//!   anything written, so a rendering failure writes nothing at all.
//! * [`RunArtifacts::write_to`] writes every file to a temporary file in the target
//!   directory (fsynced) before renaming any of them into place; if a temporary file
//!   cannot be written, all temporaries are removed and no output file changes.
//! * Output bytes depend only on the scenario, the run and the metadata given: no
//!   wall-clock time, no absolute path, floats formatted deterministically
//!   (out.csv like Python's `repr`, JSON through serde_json's shortest round-trip
//!   form), JSON keys in a fixed order.

use corridor_model::border::monthly::{self, MonthlyEncounters};
use corridor_model::metrics;
use corridor_model::record::{Accounting, DayRecord, PortDay, RunOutput};
use corridor_model::scenario::{LocationKind, Scenario};
use serde::Serialize;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

/// A failure while rendering or writing outputs.
#[derive(Debug, Error)]
pub enum WriteError {
    #[error("cannot create output directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The run's records do not match the scenario (an engine bug, not bad input).
    #[error("cannot render {file}: day {day}: {field} has {got} entries, expected {expected}")]
    Shape {
        file: &'static str,
        day: u32,
        field: &'static str,
        got: usize,
        expected: usize,
    },
    #[error("cannot render {file}: {source}")]
    Json {
        file: &'static str,
        source: serde_json::Error,
    },
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Temporary name next to `path`, unique within this process and across processes.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.tmp.{}.{n}", std::process::id()))
}

/// Writes `bytes` to a temporary file next to `path` and syncs it; returns the
/// temporary path. The temporary file is removed on error.
fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf, WriteError> {
    write_temp_with(path, |w| w.write_all(bytes))
}

/// [`write_temp`] with the content streamed by `fill` (through a buffer).
fn write_temp_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<PathBuf, WriteError> {
    let tmp = temp_path(path);
    let res = (|| {
        let f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut w = std::io::BufWriter::new(f);
        fill(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()
    })();
    match res {
        Ok(()) => Ok(tmp),
        Err(source) => {
            let _ = fs::remove_file(&tmp);
            Err(WriteError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    }
}

/// Best effort: makes renames durable. Not all platforms can open a directory.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory,
/// fsync, rename. Readers see the old file or the new one, never a partial one;
/// on error the temporary file is removed and `path` is unchanged.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// [`write_atomic`] with the content streamed by `fill` (large tables need not be
/// built in memory first); `path` is replaced only if `fill` succeeds.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let tmp = write_temp_with(path, fill)?;
    if let Err(source) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(WriteError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    if let Some(dir) = path.parent() {
        sync_dir(dir);
    }
    Ok(())
}

/// Formats a float exactly as Python's `repr`/`str` does (shortest round-trip
/// digits; fixed notation for decimal exponents −4..=15 with at least one decimal,
/// otherwise `d.ddde±XX`), so out.csv matches Flee's byte for byte.
pub fn py_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sci = format!("{:e}", x.abs());
    let (mant, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let (int, frac) = if exp >= 0 {
            let e = exp as usize + 1;
            if digits.len() > e {
                (digits[..e].to_string(), digits[e..].to_string())
            } else {
                (format!("{digits:0<e$}"), "0".to_string())
            }
        } else {
            let zeros = "0".repeat((-exp - 1) as usize);
            ("0".to_string(), format!("{zeros}{digits}"))
        };
        format!("{sign}{int}.{frac}")
    } else {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let es = if exp < 0 { '-' } else { '+' };
        format!("{sign}{m}e{es}{:02}", exp.abs())
    }
}

/// Quotes a CSV field when it needs it (comma, quote, line break).
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// What kind of input a run was read from (`summary.json` `input_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputKind {
    /// A Flee instance directory: out.csv is written.
    #[default]
    Flee,
    /// A corridor `scenario.toml`.
    Scenario,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Flee => "flee",
            InputKind::Scenario => "scenario",
        }
    }
}

/// One input file and its digest, as listed in `summary.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputDigest {
    /// Relative to the input directory, `/`-separated.
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// Run metadata that is not in the scenario or the run output. Construct it with
/// `..RunMeta::default()` so that new fields do not break callers.
#[derive(Debug, Clone, Default)]
pub struct RunMeta {
    /// `CARGO_PKG_VERSION` of the binary.
    pub corridor_version: String,
    pub input_kind: InputKind,
    /// `agents` or `counts`.
    pub engine: String,
    pub inputs: Vec<InputDigest>,
    /// Reader warnings; the run's own warnings are appended after them.
    pub warnings: Vec<String>,
    /// The policy variant applied to the scenario (`summary.json` `variant`).
    pub variant: Option<String>,
    /// The observation file the scenario names (relative to it), recorded in
    /// `summary.json` `comparison`; `None` when it names none.
    pub observations: Option<String>,
}

/// Checks that a per-location vector is empty (column does not apply: zeros) or
/// has one entry per location.
fn per_location<'a>(
    file: &'static str,
    rec: &'a DayRecord,
    field: &'static str,
    v: &'a [u64],
    n: usize,
) -> Result<&'a [u64], WriteError> {
    if v.is_empty() || v.len() == n {
        Ok(v)
    } else {
        Err(WriteError::Shape {
            file,
            day: rec.day,
            field,
            got: v.len(),
            expected: n,
        })
    }
}

fn at(v: &[u64], i: usize) -> u64 {
    v.get(i).copied().unwrap_or(0)
}

/// Camp values of one day, checked against the number of camps.
fn camp_row(
    file: &'static str,
    rec: &DayRecord,
    camps: &[usize],
    n_locations: usize,
) -> Result<(Vec<u64>, Vec<i64>), WriteError> {
    per_location(file, rec, "population", &rec.population, n_locations)?;
    if rec.camp_data.len() != camps.len() && !rec.camp_data.is_empty() {
        return Err(WriteError::Shape {
            file,
            day: rec.day,
            field: "camp_data",
            got: rec.camp_data.len(),
            expected: camps.len(),
        });
    }
    Ok((
        metrics::camp_sims(rec, camps),
        metrics::camp_data(rec, camps.len()),
    ))
}

/// out.csv in Flee's format (flee-spec §3.1): one row per simulated day, camps in
/// locations.csv order. `Date` is start + day (Flee HEAD's +1 shift is not
/// reproduced). With `log_levels.idp_totals > 0` a `total IDPs` column follows.
pub fn render_out_csv(scenario: &Scenario, run: &RunOutput) -> Result<String, WriteError> {
    const FILE: &str = "out.csv";
    let camps = scenario.camp_locations();
    let idps: Vec<usize> = (0..scenario.locations.len())
        .filter(|&i| scenario.locations[i].kind == LocationKind::IdpCamp)
        .collect();
    let idp_totals = scenario.settings.log_levels.idp_totals > 0;
    let mut out = String::from("Day,Date");
    for &c in &camps {
        // Flee's spelling: a duplicated name is printed as written (not `name#2`).
        let name = scenario.locations[c].flee_name();
        let _ = write!(out, ",{0} sim,{0} data,{0} error", csv_field(name));
    }
    out.push_str(
        ",Total error,refugees in camps (UNHCR),total refugees (simulation),\
         raw UNHCR refugee count,refugees in camps (simulation),refugee_debt",
    );
    if idp_totals {
        out.push_str(",total IDPs");
    }
    out.push('\n');
    for rec in &run.days {
        let (sim, data) = camp_row(FILE, rec, &camps, scenario.locations.len())?;
        let date = scenario.start_date.add_days(rec.day as i64);
        let _ = write!(out, "{},{}", rec.day, date);
        for (&s, &d) in sim.iter().zip(&data) {
            let _ = write!(out, ",{s},{d},{}", py_float(metrics::camp_rel_error(s, d)));
        }
        let in_camps: u64 = sim.iter().sum();
        if rec.raw > 0 {
            let _ = write!(
                out,
                ",{},{},{},{},{},{}",
                py_float(metrics::total_error(&sim, &data, rec.raw)),
                data.iter().sum::<i64>(),
                rec.total_agents,
                rec.raw,
                in_camps,
                rec.debt
            );
        } else {
            let _ = write!(out, ",0.0,0,{},0,{},0", rec.total_agents, in_camps);
        }
        if idp_totals {
            let n: u64 = idps.iter().map(|&i| at(&rec.population, i)).sum();
            let _ = write!(out, ",{n}");
        }
        out.push('\n');
    }
    Ok(out)
}

/// The per-location variables of daily.csv, in column order; ensembles
/// (`daily_stats.csv`) and the report use the same names.
pub const DAILY_VARIABLES: [&str; 10] = [
    "population",
    "on_links_toward",
    "queue",
    "sheltered",
    "unsheltered",
    "arrived",
    "departed",
    "admitted",
    "encountered",
    "intercepted",
];

/// The header of daily.csv: the day, the location, then [`DAILY_VARIABLES`].
pub const DAILY_COLUMNS: [&str; 14] = {
    let mut cols = [
        "day", "date", "location", "kind", "", "", "", "", "", "", "", "", "", "",
    ];
    let mut i = 0;
    while i < DAILY_VARIABLES.len() {
        cols[4 + i] = DAILY_VARIABLES[i];
        i += 1;
    }
    cols
};

/// daily.csv: one row per day per location, locations in scenario order. A
/// per-location vector the engine left empty does not apply and prints as 0.
pub fn render_daily_csv(scenario: &Scenario, run: &RunOutput) -> Result<String, WriteError> {
    const FILE: &str = "daily.csv";
    let n = scenario.locations.len();
    let mut out = DAILY_COLUMNS.join(",");
    out.push('\n');
    for rec in &run.days {
        let cols = [
            per_location(FILE, rec, "population", &rec.population, n)?,
            per_location(FILE, rec, "on_links_toward", &rec.on_links_toward, n)?,
            per_location(FILE, rec, "queue", &rec.queue, n)?,
            per_location(FILE, rec, "sheltered", &rec.sheltered, n)?,
            per_location(FILE, rec, "unsheltered", &rec.unsheltered, n)?,
            per_location(FILE, rec, "arrived", &rec.arrived, n)?,
            per_location(FILE, rec, "departed", &rec.departed, n)?,
            per_location(FILE, rec, "admitted", &rec.admitted, n)?,
            per_location(FILE, rec, "encountered", &rec.encountered, n)?,
            per_location(FILE, rec, "intercepted", &rec.intercepted, n)?,
        ];
        let date = scenario.start_date.add_days(rec.day as i64);
        for (i, loc) in scenario.locations.iter().enumerate() {
            let _ = write!(
                out,
                "{},{},{},{}",
                rec.day,
                date,
                csv_field(&loc.name),
                loc.kind.as_str()
            );
            for col in cols {
                let _ = write!(out, ",{}", at(col, i));
            }
            out.push('\n');
        }
    }
    Ok(out)
}

/// True when the scenario has observed camp data to compare against.
pub fn has_camp_data(scenario: &Scenario) -> bool {
    !scenario.data.camps.is_empty() && !scenario.camp_locations().is_empty()
}

/// observed.csv: `day,date,location,observed` for every simulated day and every
/// camp that has a data series (the values the run compared against).
pub fn render_observed_csv(scenario: &Scenario, run: &RunOutput) -> Result<String, WriteError> {
    const FILE: &str = "observed.csv";
    let camps = scenario.camp_locations();
    let mut out = String::from("day,date,location,observed\n");
    for rec in &run.days {
        let (_, data) = camp_row(FILE, rec, &camps, scenario.locations.len())?;
        let date = scenario.start_date.add_days(rec.day as i64);
        for (k, &c) in camps.iter().enumerate() {
            if scenario.data.camp(c).is_none() {
                continue;
            }
            let name = csv_field(&scenario.locations[c].name);
            let _ = writeln!(out, "{},{date},{name},{}", rec.day, data[k]);
        }
    }
    Ok(out)
}

/// One agent stands for this many people (`optimisations.hasten`, at least 1).
pub fn people_per_agent(scenario: &Scenario) -> u64 {
    scenario.settings.optimisations.hasten.max(1) as u64
}

/// A location's name; empty for an index the scenario does not have (the readers
/// never produce one, and a writer must not panic on a hand-built scenario).
fn loc_name(scenario: &Scenario, i: usize) -> &str {
    scenario.locations.get(i).map_or("", |l| l.name.as_str())
}

/// The header of ports.csv; the column names are the variable names used by
/// ensembles (`ports_stats.csv`) and the report.
pub const PORTS_COLUMNS: [&str; 9] = [
    "day",
    "date",
    "port",
    "queue",
    "admitted",
    "by_appointment",
    "walk_up",
    "mean_wait_days",
    "open",
];

/// A float for CSV: Rust's shortest round-trip form (never an exponent), 0 for a
/// value that is not finite.
fn csv_f64(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "0".into()
    }
}

/// The ports of one day, checked against the scenario. A record without port
/// entries (an engine that does not model ports) reads as zeros with each port's
/// day-0 `open` setting.
fn port_days(
    rec: &DayRecord,
    scenario: &Scenario,
    file: &'static str,
) -> Result<Vec<PortDay>, WriteError> {
    let ports = &scenario.border.ports;
    if rec.ports.is_empty() {
        return Ok(ports
            .iter()
            .map(|p| PortDay {
                open: p.open,
                ..PortDay::default()
            })
            .collect());
    }
    if rec.ports.len() != ports.len() {
        return Err(WriteError::Shape {
            file,
            day: rec.day,
            field: "ports",
            got: rec.ports.len(),
            expected: ports.len(),
        });
    }
    Ok(rec.ports.clone())
}

/// ports.csv: `day,date,port,queue,admitted,by_appointment,walk_up,mean_wait_days,open`,
/// one row per day per port, ports in ports.csv order. Counts in agents; `queue`
/// at the end of the day; `mean_wait_days` of the people admitted that day (0 if
/// none); `open` is 1 or 0.
pub fn render_ports_csv(scenario: &Scenario, run: &RunOutput) -> Result<String, WriteError> {
    const FILE: &str = "ports.csv";
    let mut out = PORTS_COLUMNS.join(",");
    out.push('\n');
    for rec in &run.days {
        let days = port_days(rec, scenario, FILE)?;
        let date = scenario.start_date.add_days(rec.day as i64);
        for (p, d) in scenario.border.ports.iter().zip(&days) {
            let _ = writeln!(
                out,
                "{},{date},{},{},{},{},{},{},{}",
                rec.day,
                csv_field(&p.name),
                d.queue,
                d.admitted,
                d.by_appointment,
                d.walk_up,
                csv_f64(d.mean_wait_days),
                u8::from(d.open)
            );
        }
    }
    Ok(out)
}

/// The rows of monthly.csv (people, not agents): see
/// `corridor_model::border::monthly` for the rules.
pub fn monthly_rows(scenario: &Scenario, run: &RunOutput) -> Vec<MonthlyEncounters> {
    monthly::monthly(
        &scenario.border,
        scenario.start_date,
        &run.days,
        people_per_agent(scenario),
    )
}

/// monthly.csv: `month,component,area_of_responsibility,encounters` in CBP's terms:
/// `Office of Field Operations` by field office (people admitted at its ports) and
/// `U.S. Border Patrol` by sector (crossings between ports), in people; every area
/// of the scenario every month, zeros included; months in order, OFO first, areas
/// by name.
pub fn render_monthly_csv(scenario: &Scenario, run: &RunOutput) -> String {
    let mut out = String::from("month,component,area_of_responsibility,encounters\n");
    for r in monthly_rows(scenario, run) {
        let _ = writeln!(
            out,
            "{},{},{},{}",
            r.month,
            csv_field(r.component),
            csv_field(&r.area_of_responsibility),
            r.encounters
        );
    }
    out
}

#[derive(Serialize)]
struct NetLocation<'a> {
    name: &'a str,
    kind: &'static str,
    lat: f64,
    lon: f64,
    country: &'a str,
    region: &'a str,
}

#[derive(Serialize)]
struct NetLink<'a> {
    from: &'a str,
    to: &'a str,
    distance_km: f64,
}

#[derive(Serialize)]
struct NetPort<'a> {
    name: &'a str,
    location: &'a str,
    border_city: &'a str,
    field_office: &'a str,
    sector: &'a str,
    /// People per open day on day 0, as given in ports.csv.
    capacity_per_day: f64,
}

#[derive(Serialize)]
struct Network<'a> {
    locations: Vec<NetLocation<'a>>,
    links: Vec<NetLink<'a>>,
    /// Ports of entry, in ports.csv order.
    ports: Vec<NetPort<'a>>,
}

fn to_json<T: Serialize>(file: &'static str, v: &T) -> Result<String, WriteError> {
    let mut s =
        serde_json::to_string_pretty(v).map_err(|source| WriteError::Json { file, source })?;
    s.push('\n');
    Ok(s)
}

/// network.json: locations, links and ports of entry by name, in scenario order.
pub fn render_network_json(scenario: &Scenario) -> Result<String, WriteError> {
    let locs = &scenario.locations;
    let hasten = people_per_agent(scenario) as f64;
    let net = Network {
        locations: locs
            .iter()
            .map(|l| NetLocation {
                name: &l.name,
                kind: l.kind.as_str(),
                lat: l.lat,
                lon: l.lon,
                country: &l.country,
                region: &l.region,
            })
            .collect(),
        links: scenario
            .links
            .iter()
            .map(|k| NetLink {
                from: &locs[k.from].name,
                to: &locs[k.to].name,
                distance_km: k.distance_km,
            })
            .collect(),
        ports: scenario
            .border
            .ports
            .iter()
            .map(|p| NetPort {
                name: &p.name,
                location: loc_name(scenario, p.location),
                border_city: loc_name(scenario, p.border_city),
                field_office: &p.field_office,
                sector: &p.sector,
                capacity_per_day: p.capacity_per_day * hasten,
            })
            .collect(),
    };
    to_json("network.json", &net)
}

#[derive(Serialize)]
struct CampSummary<'a> {
    location: &'a str,
    mean_abs_diff: f64,
    mean_abs_diff_rescaled: f64,
}

#[derive(Serialize)]
struct ValidationSummary<'a> {
    ard: f64,
    ard_rescaled: f64,
    per_camp: Vec<CampSummary<'a>>,
}

#[derive(Serialize)]
struct Totals {
    /// People created over the run (agents).
    spawned: u64,
    /// Flee's "total refugees (simulation)" on the last day.
    total_agents: u64,
    /// Agents in camps on the last day.
    in_camps: u64,
    /// Observed people in camps on the last day; null without camp data.
    observed_in_camps: Option<i64>,
    /// Arrivals at locations over the run.
    arrived: u64,
    /// Interceptions at checkpoints over the run.
    intercepted: u64,
    admitted: u64,
    /// Of the admitted, with an appointment / as walk-ups (from the port records).
    by_appointment: u64,
    walk_up: u64,
    encountered: u64,
    /// Agents in port queues on the last day.
    in_queues: u64,
    /// Mean days waited in a port queue by the people admitted over the run;
    /// null when nobody was admitted.
    mean_wait_days: Option<f64>,
}

#[derive(Serialize)]
struct Summary<'a> {
    corridor_version: &'a str,
    scenario: &'a str,
    input_kind: &'static str,
    start_date: String,
    end_date: String,
    days: usize,
    seed: u64,
    engine: &'a str,
    hasten: u32,
    inputs: &'a [InputDigest],
    accounting: Accounting,
    accounting_balances_every_day: bool,
    validation: Option<ValidationSummary<'a>>,
    totals: Totals,
    /// The policy variant applied (scenarios only); null for the base scenario.
    variant: Option<&'a str>,
    /// The observed data the scenario names; null when it names none.
    comparison: Option<Comparison<'a>>,
    warnings: Vec<&'a str>,
}

/// Comparison with observed data. For now only the file: the metric comes with
/// calibration.
#[derive(Serialize)]
struct Comparison<'a> {
    /// The observation file, relative to the scenario.
    observations: &'a str,
}

/// Sums over all days and ports of the port records.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct PortTotals {
    admitted: u64,
    by_appointment: u64,
    walk_up: u64,
    /// Σ mean wait × admitted: total days waited by the admitted.
    waited: f64,
}

impl PortTotals {
    fn of(scenario: &Scenario, run: &RunOutput, file: &'static str) -> Result<Self, WriteError> {
        let mut t = PortTotals::default();
        for rec in &run.days {
            for d in port_days(rec, scenario, file)? {
                t.admitted += d.admitted;
                t.by_appointment += d.by_appointment;
                t.walk_up += d.walk_up;
                if d.admitted > 0 && d.mean_wait_days.is_finite() {
                    t.waited += d.mean_wait_days * d.admitted as f64;
                }
            }
        }
        Ok(t)
    }

    fn mean_wait(&self) -> Option<f64> {
        (self.admitted > 0).then(|| self.waited / self.admitted as f64)
    }
}

/// summary.json: run metadata, the final accounting, validation (null without
/// camp data), totals (agents), the variant, the observed data to compare with, and
/// warnings. `end_date` is the date of the last simulated day. No wall-clock time
/// and no absolute path.
pub fn render_summary_json(
    scenario: &Scenario,
    run: &RunOutput,
    meta: &RunMeta,
) -> Result<String, WriteError> {
    let camps = scenario.camp_locations();
    let last = run.days.last();
    let accounting = last.map(|r| r.accounting).unwrap_or_default();
    let validation = if has_camp_data(scenario) {
        metrics::validate(scenario, run).map(|v| ValidationSummary {
            ard: v.ard,
            ard_rescaled: v.ard_rescaled,
            per_camp: v
                .per_camp
                .iter()
                .map(|c| CampSummary {
                    location: &scenario.locations[c.location].name,
                    mean_abs_diff: c.mean_abs_diff,
                    mean_abs_diff_rescaled: c.mean_abs_diff_rescaled,
                })
                .collect(),
        })
    } else {
        None
    };
    let sum_all = |f: fn(&DayRecord) -> &Vec<u64>| -> u64 {
        run.days.iter().map(|r| f(r).iter().sum::<u64>()).sum()
    };
    let ports = PortTotals::of(scenario, run, "summary.json")?;
    let totals = Totals {
        spawned: accounting.spawned,
        total_agents: last.map(|r| r.total_agents).unwrap_or(0),
        in_camps: last
            .map(|r| metrics::camp_sims(r, &camps).iter().sum())
            .unwrap_or(0),
        observed_in_camps: match (last, has_camp_data(scenario)) {
            (Some(r), true) => Some(metrics::camp_data(r, camps.len()).iter().sum()),
            _ => None,
        },
        arrived: sum_all(|r| &r.arrived),
        intercepted: sum_all(|r| &r.intercepted),
        admitted: accounting.admitted,
        by_appointment: ports.by_appointment,
        walk_up: ports.walk_up,
        encountered: accounting.encountered,
        in_queues: accounting.in_queues,
        mean_wait_days: ports.mean_wait(),
    };
    let days = run.days.len();
    let end = scenario.start_date.add_days(days.saturating_sub(1) as i64);
    let summary = Summary {
        corridor_version: &meta.corridor_version,
        scenario: &scenario.name,
        input_kind: meta.input_kind.as_str(),
        start_date: scenario.start_date.to_string(),
        end_date: end.to_string(),
        days,
        seed: run.seed,
        engine: &meta.engine,
        hasten: scenario.settings.optimisations.hasten,
        inputs: &meta.inputs,
        accounting,
        accounting_balances_every_day: run.days.iter().all(|r| r.accounting.balances()),
        validation,
        totals,
        variant: meta.variant.as_deref(),
        comparison: meta
            .observations
            .as_deref()
            .map(|observations| Comparison { observations }),
        warnings: meta
            .warnings
            .iter()
            .chain(run.warnings.iter())
            .map(String::as_str)
            .collect(),
    };
    to_json("summary.json", &summary)
}

/// The numbers a comparison of policy variants puts side by side, in people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyNumbers {
    /// Admitted at ports over the run.
    pub admitted: u64,
    /// Crossed between ports (Border Patrol encounters) over the run.
    pub encountered: u64,
    /// Intercepted at checkpoints over the run.
    pub intercepted: u64,
    /// People waiting at the border — at the border cities of ports and crossing
    /// points, at ports, and in port queues — at the end of the day with the most.
    pub peak_waiting_at_border: u64,
    /// The date of that day (the first such day); null for an empty run.
    pub peak_waiting_date: Option<String>,
    /// The same count on the last day.
    pub final_waiting_at_border: u64,
    /// Mean days waited in port queues by the people admitted; null when nobody was.
    pub mean_wait_days: Option<f64>,
}

/// People admitted at ports (`Office of Field Operations`) and encountered between
/// ports (`U.S. Border Patrol`) in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthTotals {
    /// `YYYY-MM`.
    pub month: String,
    pub admitted: u64,
    pub encountered: u64,
}

/// Locations where people wait at the border: border cities of ports and crossing
/// points, and the ports themselves; sorted, without repeats.
fn border_locations(scenario: &Scenario) -> Vec<usize> {
    let b = &scenario.border;
    let mut v: Vec<usize> = b
        .ports
        .iter()
        .flat_map(|p| [p.location, p.border_city])
        .chain(b.crossings.iter().map(|c| c.border_city))
        .filter(|&i| i < scenario.locations.len())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The key numbers of one run (see [`KeyNumbers`]).
pub fn key_numbers(scenario: &Scenario, run: &RunOutput) -> Result<KeyNumbers, WriteError> {
    const FILE: &str = "compare.json";
    let k = people_per_agent(scenario);
    let n = scenario.locations.len();
    let places = border_locations(scenario);
    let mut waiting = Vec::with_capacity(run.days.len());
    let mut intercepted = 0u64;
    for rec in &run.days {
        let pop = per_location(FILE, rec, "population", &rec.population, n)?;
        let queue = per_location(FILE, rec, "queue", &rec.queue, n)?;
        let icp = per_location(FILE, rec, "intercepted", &rec.intercepted, n)?;
        intercepted += icp.iter().sum::<u64>();
        let w: u64 = places.iter().map(|&i| at(pop, i) + at(queue, i)).sum();
        waiting.push((rec.day, w));
    }
    // The first day with the maximum, so ties do not depend on anything but the run.
    let peak = waiting
        .iter()
        .fold(None, |best: Option<(u32, u64)>, &(d, w)| match best {
            Some((_, bw)) if bw >= w => best,
            _ => Some((d, w)),
        });
    let acc = run.days.last().map(|r| r.accounting).unwrap_or_default();
    let ports = PortTotals::of(scenario, run, FILE)?;
    Ok(KeyNumbers {
        admitted: acc.admitted * k,
        encountered: acc.encountered * k,
        intercepted: intercepted * k,
        peak_waiting_at_border: peak.map_or(0, |p| p.1) * k,
        peak_waiting_date: peak.map(|p| scenario.start_date.add_days(p.0 as i64).to_string()),
        final_waiting_at_border: waiting.last().map_or(0, |w| w.1) * k,
        mean_wait_days: ports.mean_wait(),
    })
}

/// Admitted and encountered people per month, from the monthly.csv rows; empty
/// when the scenario has neither ports nor crossing points.
pub fn month_totals(scenario: &Scenario, run: &RunOutput) -> Vec<MonthTotals> {
    let mut out: Vec<MonthTotals> = Vec::new();
    for r in monthly_rows(scenario, run) {
        if out.last().map(|m| m.month != r.month).unwrap_or(true) {
            out.push(MonthTotals {
                month: r.month.clone(),
                admitted: 0,
                encountered: 0,
            });
        }
        let m = out.last_mut().expect("pushed above");
        if r.component == monthly::OFO {
            m.admitted += r.encounters;
        } else {
            m.encountered += r.encounters;
        }
    }
    out
}

/// One variant of a comparison, as listed in compare.json.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareEntry {
    pub name: String,
    /// The variant's run directory, relative to the compare directory.
    pub dir: String,
    pub description: String,
    pub key_numbers: KeyNumbers,
    /// Admitted and encountered people per month.
    pub monthly: Vec<MonthTotals>,
}

#[derive(Serialize)]
struct CompareFile<'a> {
    scenario: &'a str,
    seed: u64,
    /// Unit of every count in this file.
    units: &'static str,
    variants: &'a [CompareEntry],
}

/// compare.json: `{"scenario","seed","units","variants":[{"name","dir","description",
/// "key_numbers":{..},"monthly":[..]}]}`, variants in the order given.
pub fn render_compare_json(
    scenario: &str,
    seed: u64,
    variants: &[CompareEntry],
) -> Result<String, WriteError> {
    to_json(
        "compare.json",
        &CompareFile {
            scenario,
            seed,
            units: "people",
            variants,
        },
    )
}

/// Every output file of one run, rendered in memory, ready to be written together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunArtifacts {
    files: Vec<(String, Vec<u8>)>,
}

impl RunArtifacts {
    /// Renders out.csv (Flee inputs only), daily.csv, observed.csv (when the
    /// scenario has camp data), ports.csv (when it has ports), monthly.csv (when it
    /// has ports or crossings), network.json and summary.json. Nothing is written.
    pub fn render(
        scenario: &Scenario,
        run: &RunOutput,
        meta: &RunMeta,
    ) -> Result<RunArtifacts, WriteError> {
        let mut a = RunArtifacts::default();
        if meta.input_kind == InputKind::Flee {
            a.add("out.csv", render_out_csv(scenario, run)?);
        }
        a.add("daily.csv", render_daily_csv(scenario, run)?);
        if has_camp_data(scenario) {
            a.add("observed.csv", render_observed_csv(scenario, run)?);
        }
        let border = &scenario.border;
        if !border.ports.is_empty() {
            a.add("ports.csv", render_ports_csv(scenario, run)?);
        }
        if !border.ports.is_empty() || !border.crossings.is_empty() {
            a.add("monthly.csv", render_monthly_csv(scenario, run));
        }
        a.add("network.json", render_network_json(scenario)?);
        a.add("summary.json", render_summary_json(scenario, run, meta)?);
        Ok(a)
    }

    /// Adds (or replaces) a file by name.
    pub fn add(&mut self, name: &str, bytes: impl Into<Vec<u8>>) {
        let bytes = bytes.into();
        match self.files.iter_mut().find(|(n, _)| n == name) {
            Some(f) => f.1 = bytes,
            None => self.files.push((name.to_string(), bytes)),
        }
    }

    /// The bytes of a rendered file.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }

    /// File names in the order they are written.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(n, _)| n.as_str())
    }

    /// Writes every file into `dir` (created if missing): all temporaries first,
    /// then all renames. On error no file of this set is left in `dir` (files it
    /// had already replaced are removed). Returns the written paths in order.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
        fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut temps: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(self.files.len());
        let cleanup = |temps: &[(PathBuf, PathBuf)]| {
            for (tmp, _) in temps {
                let _ = fs::remove_file(tmp);
            }
        };
        for (name, bytes) in &self.files {
            let path = dir.join(name);
            match write_temp(&path, bytes) {
                Ok(tmp) => temps.push((tmp, path)),
                Err(e) => {
                    cleanup(&temps);
                    return Err(e);
                }
            }
        }
        let mut written = Vec::with_capacity(temps.len());
        for (i, (tmp, path)) in temps.iter().enumerate() {
            if let Err(source) = fs::rename(tmp, path) {
                // Leave no mix of new and old outputs: this run's files go too.
                cleanup(&temps[i..]);
                for p in &written {
                    let _ = fs::remove_file(p);
                }
                return Err(WriteError::Io {
                    path: path.clone(),
                    source,
                });
            }
            written.push(path.clone());
        }
        sync_dir(dir);
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_model::scenario::{CampData, Location};
    use corridor_model::series::Series;
    use corridor_model::Date;

    #[test]
    fn python_float_repr() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.25, "0.25"),
            (0.6667, "0.6667"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000123, "0.000123"),
            (0.0000123, "1.23e-05"),
            (123.456, "123.456"),
            (1e15, "1000000000000000.0"),
            (1234567890123456.0, "1234567890123456.0"),
            (1e16, "1e+16"),
            (1.5e17, "1.5e+17"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0 / 3.0, "0.3333333333333333"),
            (-2.5, "-2.5"),
            (1e100, "1e+100"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
        ];
        for (x, want) in cases {
            assert_eq!(py_float(x), want, "{x:e}");
        }
    }

    /// Conflict zone A, camp B, town C; 3 days; data for B.
    fn tiny() -> (Scenario, RunOutput) {
        let mut s = Scenario::new("tiny", Date::parse("2012-02-28").unwrap(), 3);
        s.add_location(Location::new("A", LocationKind::ConflictZone));
        let b = s.add_location(Location::new("B", LocationKind::Camp));
        s.add_location(Location::new("C", LocationKind::Town));
        s.link("A", "B", 120.5);
        s.link("B", "C", 10.0);
        s.data.camps.push(CampData {
            location: b,
            series: Series::new(vec![(0, 4.0), (2, 12.0)]),
        });
        let rec = |day: u32, pop: [u64; 3], data: i64, raw: i64, spawned: u64| DayRecord {
            day,
            population: pop.to_vec(),
            on_links_toward: vec![0, 1, 0],
            arrived: vec![0, day as u64, 0],
            camp_data: vec![data],
            raw,
            debt: 0,
            total_agents: spawned,
            accounting: Accounting {
                spawned,
                at_locations: pop.iter().sum(),
                on_links: 1,
                ..Default::default()
            },
            ..Default::default()
        };
        let run = RunOutput {
            seed: 7,
            days: vec![
                rec(0, [0, 4, 0], 4, 0, 5),
                rec(1, [2, 6, 0], 8, 8, 9),
                rec(2, [0, 9, 2], 12, 12, 12),
            ],
            warnings: vec!["engine note".into()],
        };
        (s, run)
    }

    fn meta() -> RunMeta {
        RunMeta {
            corridor_version: "0.1.0".into(),
            input_kind: InputKind::Flee,
            engine: "agents".into(),
            inputs: vec![InputDigest {
                path: "input_csv/locations.csv".into(),
                sha256: "ab".repeat(32),
            }],
            warnings: vec!["reader note".into()],
            ..RunMeta::default()
        }
    }

    /// Tijuana (border city), San Ysidro (port), Tapachula; 3 days from
    /// 2023-11-29 (days 0, 1 in November, day 2 in December); hasten 10.
    fn border_run() -> (Scenario, RunOutput) {
        use corridor_model::border::{CrossingPoint, Port, QueueDiscipline};
        let mut s = Scenario::new("b", Date::parse("2023-11-29").unwrap(), 3);
        s.settings.optimisations.hasten = 10;
        let tj = s.add_location(Location::new("Tijuana", LocationKind::Town));
        let sy = s.add_location(Location::new("San Ysidro", LocationKind::Port));
        s.add_location(Location::new("Tapachula", LocationKind::Town));
        s.link("Tijuana", "San Ysidro", 5.0);
        s.border.ports.push(Port {
            location: sy,
            name: "San Ysidro".into(),
            border_city: tj,
            field_office: "San Diego Field Office".into(),
            sector: "San Diego Sector".into(),
            capacity_per_day: 10.0,
            open: true,
            walk_ups: true,
            queue: QueueDiscipline::Fifo,
        });
        s.border.crossings.push(CrossingPoint {
            name: "Tijuana".into(),
            border_city: tj,
            sector: "San Diego Sector".into(),
            hazard: 0.1,
            slope: 0.0,
            max_hazard: 1.0,
        });
        let rec = |day: u32, pop: [u64; 3], queue: u64, adm: u64, wait: f64, enc: u64| DayRecord {
            day,
            population: pop.to_vec(),
            queue: vec![0, queue, 0],
            admitted: vec![0, adm, 0],
            encountered: vec![enc, 0, 0],
            intercepted: vec![0, 0, day as u64],
            ports: vec![PortDay {
                queue,
                admitted: adm,
                by_appointment: adm / 2,
                walk_up: adm - adm / 2,
                mean_wait_days: wait,
                open: day != 1,
            }],
            ..Default::default()
        };
        let mut days = vec![
            rec(0, [5, 1, 9], 4, 2, 0.0, 1),
            rec(1, [7, 0, 9], 6, 0, 0.0, 0),
            rec(2, [3, 2, 9], 1, 4, 2.5, 3),
        ];
        let mut admitted = 0;
        let mut encountered = 0;
        for d in &mut days {
            admitted += d.admitted[1];
            encountered += d.encountered[0];
            d.accounting = Accounting {
                admitted,
                encountered,
                in_queues: d.queue[1],
                ..Default::default()
            };
        }
        (
            s,
            RunOutput {
                seed: 3,
                days,
                warnings: vec![],
            },
        )
    }

    #[test]
    fn ports_csv_bytes() {
        let (s, run) = border_run();
        assert_eq!(
            render_ports_csv(&s, &run).unwrap(),
            "day,date,port,queue,admitted,by_appointment,walk_up,mean_wait_days,open\n\
             0,2023-11-29,San Ysidro,4,2,1,1,0,1\n\
             1,2023-11-30,San Ysidro,6,0,0,0,0,0\n\
             2,2023-12-01,San Ysidro,1,4,2,2,2.5,1\n"
        );
        // A record without port entries reads as zeros and the day-0 setting.
        let mut run2 = run.clone();
        run2.days[1].ports.clear();
        assert!(render_ports_csv(&s, &run2)
            .unwrap()
            .contains("\n1,2023-11-30,San Ysidro,0,0,0,0,0,1\n"));
        // Any other length is an engine bug, not something to print.
        run2.days[1].ports = vec![PortDay::default(); 2];
        assert_eq!(
            render_ports_csv(&s, &run2).unwrap_err().to_string(),
            "cannot render ports.csv: day 1: ports has 2 entries, expected 1"
        );
    }

    #[test]
    fn monthly_csv_bytes_in_people() {
        let (s, run) = border_run();
        assert_eq!(
            render_monthly_csv(&s, &run),
            "month,component,area_of_responsibility,encounters\n\
             2023-11,Office of Field Operations,San Diego Field Office,20\n\
             2023-11,U.S. Border Patrol,San Diego Sector,10\n\
             2023-12,Office of Field Operations,San Diego Field Office,40\n\
             2023-12,U.S. Border Patrol,San Diego Sector,30\n"
        );
        assert_eq!(
            month_totals(&s, &run),
            vec![
                MonthTotals {
                    month: "2023-11".into(),
                    admitted: 20,
                    encountered: 10
                },
                MonthTotals {
                    month: "2023-12".into(),
                    admitted: 40,
                    encountered: 30
                },
            ]
        );
    }

    #[test]
    fn key_numbers_in_people() {
        let (s, run) = border_run();
        let k = key_numbers(&s, &run).unwrap();
        // Waiting = Tijuana + San Ysidro (at it and queued): 10, 13, 6 agents.
        assert_eq!(
            k,
            KeyNumbers {
                admitted: 60,
                encountered: 40,
                intercepted: 30,
                peak_waiting_at_border: 130,
                peak_waiting_date: Some("2023-11-30".into()),
                final_waiting_at_border: 60,
                mean_wait_days: Some(10.0 / 6.0),
            }
        );
        let entry = CompareEntry {
            name: "base".into(),
            dir: "base".into(),
            description: "d".into(),
            key_numbers: k,
            monthly: month_totals(&s, &run),
        };
        let text = render_compare_json("b", 3, &[entry]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["scenario"], "b");
        assert_eq!(v["seed"], 3);
        assert_eq!(v["units"], "people");
        assert_eq!(v["variants"][0]["key_numbers"]["admitted"], 60);
        assert_eq!(v["variants"][0]["monthly"][1]["month"], "2023-12");
        // Nobody admitted: no mean wait; an empty run has no peak date.
        let empty = RunOutput::default();
        let k = key_numbers(&s, &empty).unwrap();
        assert_eq!(k.mean_wait_days, None);
        assert_eq!(k.peak_waiting_date, None);
        assert_eq!(k.peak_waiting_at_border, 0);
    }

    #[test]
    fn border_run_artifacts() {
        let (s, run) = border_run();
        let mut m = meta();
        m.input_kind = InputKind::Scenario;
        m.variant = Some("x2".into());
        m.observations = Some("obs.csv".into());
        let a = RunArtifacts::render(&s, &run, &m).unwrap();
        assert_eq!(
            a.names().collect::<Vec<_>>(),
            [
                "daily.csv",
                "ports.csv",
                "monthly.csv",
                "network.json",
                "summary.json"
            ]
        );
        let net: serde_json::Value =
            serde_json::from_slice(a.get("network.json").unwrap()).unwrap();
        let p = &net["ports"][0];
        assert_eq!(p["name"], "San Ysidro");
        assert_eq!(p["location"], "San Ysidro");
        assert_eq!(p["border_city"], "Tijuana");
        assert_eq!(p["field_office"], "San Diego Field Office");
        assert_eq!(p["sector"], "San Diego Sector");
        // Given as people in ports.csv: agents × hasten.
        assert_eq!(p["capacity_per_day"], 100.0);
        let v: serde_json::Value = serde_json::from_slice(a.get("summary.json").unwrap()).unwrap();
        assert_eq!(v["input_kind"], "scenario");
        assert_eq!(v["variant"], "x2");
        assert_eq!(v["comparison"]["observations"], "obs.csv");
        let t = &v["totals"];
        assert_eq!(t["admitted"], 6);
        assert_eq!(t["by_appointment"], 3);
        assert_eq!(t["walk_up"], 3);
        assert_eq!(t["encountered"], 4);
        assert_eq!(t["in_queues"], 1);
        assert_eq!(t["intercepted"], 3);
        assert_eq!(t["mean_wait_days"].as_f64(), Some(10.0 / 6.0));
        // Crossings alone are enough for monthly.csv.
        let mut s2 = s.clone();
        s2.border.ports.clear();
        let mut run2 = run.clone();
        for d in &mut run2.days {
            d.ports.clear();
        }
        let b = RunArtifacts::render(&s2, &run2, &m).unwrap();
        assert!(b.get("ports.csv").is_none());
        assert!(b.get("monthly.csv").is_some());
    }

    #[test]
    fn out_csv_bytes() {
        let (s, run) = tiny();
        let out = render_out_csv(&s, &run).unwrap();
        let want = "Day,Date,B sim,B data,B error,Total error,refugees in camps (UNHCR),\
total refugees (simulation),raw UNHCR refugee count,refugees in camps (simulation),refugee_debt
0,2012-02-28,4,4,0.0,0.0,0,5,0,4,0
1,2012-02-29,6,8,0.25,0.25,8,9,8,6,0
2,2012-03-01,9,12,0.25,0.25,12,12,12,9,0
";
        assert_eq!(out, want);
    }

    #[test]
    fn idp_totals_column() {
        let (mut s, mut run) = tiny();
        s.settings.log_levels.idp_totals = 1;
        s.locations[2].kind = LocationKind::IdpCamp;
        for r in &mut run.days {
            r.camp_data.push(0);
        }
        let out = render_out_csv(&s, &run).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        // C is now a camp too (an idpcamp): it gets columns and the total.
        assert!(lines[0].starts_with("Day,Date,B sim,B data,B error,C sim,C data,C error,"));
        assert!(lines[0].ends_with(",refugee_debt,total IDPs"));
        assert!(lines[3].ends_with(",2"), "{}", lines[3]);
    }

    #[test]
    fn daily_and_observed_csv() {
        let (s, run) = tiny();
        let daily = render_daily_csv(&s, &run).unwrap();
        let lines: Vec<&str> = daily.lines().collect();
        assert_eq!(lines.len(), 1 + 3 * 3);
        assert_eq!(lines[0], DAILY_COLUMNS.join(","));
        assert_eq!(lines[1], "0,2012-02-28,A,conflict_zone,0,0,0,0,0,0,0,0,0,0");
        assert_eq!(lines[5], "1,2012-02-29,B,camp,6,1,0,0,0,1,0,0,0,0");
        assert_eq!(lines[9], "2,2012-03-01,C,town,2,0,0,0,0,0,0,0,0,0");
        let obs = render_observed_csv(&s, &run).unwrap();
        assert_eq!(
            obs,
            "day,date,location,observed\n0,2012-02-28,B,4\n1,2012-02-29,B,8\n2,2012-03-01,B,12\n"
        );
    }

    #[test]
    fn bad_record_shape_is_an_error() {
        let (s, mut run) = tiny();
        run.days[1].arrived = vec![1, 2];
        let err = render_daily_csv(&s, &run).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot render daily.csv: day 1: arrived has 2 entries, expected 3"
        );
        let (s, mut run) = tiny();
        run.days[0].camp_data = vec![1, 2];
        assert!(render_out_csv(&s, &run).is_err());
    }

    #[test]
    fn names_with_commas_are_quoted() {
        let (mut s, run) = tiny();
        s.locations[1].name = "Camp \"B\", north".into();
        let out = render_out_csv(&s, &run).unwrap();
        assert!(out.starts_with("Day,Date,\"Camp \"\"B\"\", north\" sim,"));
    }

    #[test]
    fn network_json() {
        let (s, _) = tiny();
        let net: serde_json::Value =
            serde_json::from_str(&render_network_json(&s).unwrap()).unwrap();
        assert_eq!(net["locations"][1]["name"], "B");
        assert_eq!(net["locations"][1]["kind"], "camp");
        assert_eq!(net["links"][0]["from"], "A");
        assert_eq!(net["links"][0]["to"], "B");
        assert_eq!(net["links"][0]["distance_km"], 120.5);
        assert_eq!(net["ports"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn summary_json() {
        let (s, run) = tiny();
        let text = render_summary_json(&s, &run, &meta()).unwrap();
        // Key order is fixed.
        let keys = [
            "corridor_version",
            "scenario",
            "input_kind",
            "start_date",
            "end_date",
            "days",
            "seed",
            "engine",
            "hasten",
            "inputs",
            "accounting",
            "accounting_balances_every_day",
            "validation",
            "totals",
            "variant",
            "comparison",
            "warnings",
        ];
        let pos: Vec<usize> = keys
            .iter()
            .map(|k| text.find(&format!("\n  \"{k}\"")).unwrap())
            .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["input_kind"], "flee");
        assert_eq!(v["start_date"], "2012-02-28");
        assert_eq!(v["end_date"], "2012-03-01");
        assert_eq!(v["days"], 3);
        assert_eq!(v["seed"], 7);
        assert_eq!(v["inputs"][0]["path"], "input_csv/locations.csv");
        assert_eq!(v["accounting"]["spawned"], 12);
        assert_eq!(v["accounting"]["on_links"], 1);
        assert_eq!(v["accounting_balances_every_day"], true);
        // e = 0/4, 2/8, 3/12 -> ARD = (0 + 0.25 + 0.25) / 3.
        let ard = v["validation"]["ard"].as_f64().unwrap();
        assert_eq!(ard, (0.0 + 0.25 + 0.25) / 3.0);
        assert_eq!(v["validation"]["per_camp"][0]["location"], "B");
        assert_eq!(
            v["validation"]["per_camp"][0]["mean_abs_diff"].as_f64(),
            Some(5.0 / 3.0)
        );
        assert_eq!(v["totals"]["in_camps"], 9);
        assert_eq!(v["totals"]["observed_in_camps"], 12);
        assert_eq!(v["totals"]["arrived"], 3);
        assert!(v["variant"].is_null());
        assert!(v["comparison"].is_null());
        // Without ports nobody waits in a queue: no mean wait.
        assert!(v["totals"]["mean_wait_days"].is_null());
        assert_eq!(v["totals"]["in_queues"], 0);
        assert_eq!(v["warnings"][0], "reader note");
        assert_eq!(v["warnings"][1], "engine note");
    }

    #[test]
    fn summary_without_data_has_null_validation() {
        let (mut s, run) = tiny();
        s.data.camps.clear();
        let v: serde_json::Value =
            serde_json::from_str(&render_summary_json(&s, &run, &meta()).unwrap()).unwrap();
        assert!(v["validation"].is_null());
        assert!(v["totals"]["observed_in_camps"].is_null());
        let a = RunArtifacts::render(&s, &run, &meta()).unwrap();
        assert!(a.get("observed.csv").is_none());
    }

    #[test]
    fn artifacts_write_all_files_atomically() {
        let (s, run) = tiny();
        let a = RunArtifacts::render(&s, &run, &meta()).unwrap();
        assert_eq!(
            a.names().collect::<Vec<_>>(),
            [
                "out.csv",
                "daily.csv",
                "observed.csv",
                "network.json",
                "summary.json"
            ]
        );
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("nested/run");
        let paths = a.write_to(&out).unwrap();
        assert_eq!(paths.len(), 5);
        for p in &paths {
            let name = p.file_name().unwrap().to_str().unwrap();
            assert_eq!(fs::read(p).unwrap(), a.get(name).unwrap());
        }
        // No temporaries left behind.
        assert_eq!(fs::read_dir(&out).unwrap().count(), 5);
        // Scenario inputs are not Flee: no out.csv.
        let mut m = meta();
        m.input_kind = InputKind::Scenario;
        let b = RunArtifacts::render(&s, &run, &m).unwrap();
        assert!(b.get("out.csv").is_none());
    }

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where a file should go makes its rename fail; the temporary
        // files of every output must be gone afterwards and out.csv not written.
        let mut a = RunArtifacts::default();
        a.add("out.csv", "x");
        a.add("blocked", "y");
        fs::create_dir(dir.path().join("blocked")).unwrap();
        fs::write(dir.path().join("blocked/keep"), "z").unwrap();
        assert!(a.write_to(dir.path()).is_err());
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["blocked"]);
    }

    #[test]
    fn write_atomic_replaces_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        // Parent missing: an error naming the file, nothing created.
        let q = dir.path().join("missing/f.txt");
        let err = write_atomic(&q, b"x").unwrap_err();
        assert!(err.to_string().contains("missing/f.txt"), "{err}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
