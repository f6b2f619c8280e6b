//! Reading a run or ensemble directory's files into plain data for the report.
//!
//! Only the columns the report draws are kept; extra columns are ignored, so the
//! report keeps working when writers add columns. Every value a chart uses is a
//! [`Pt`]: for a single run `lo == mid == hi == mean`; for an ensemble `mid` is
//! the p50, `lo`/`hi` the p5/p95 and `mean` the ensemble mean (means add up, so
//! totals over places or days are computed from `mean`). Series are sorted by
//! day; places and ports keep the order of their first appearance in the file
//! (the scenario order), which keeps the output deterministic.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::dates;
use crate::error::ReportError;

/// daily.csv columns the report reads (the `variable` values of daily_stats.csv).
pub const DAILY_VARS: [&str; 4] = ["population", "unsheltered", "encountered", "intercepted"];
/// Index of each daily variable in [`Place::vars`].
pub const POPULATION: usize = 0;
pub const UNSHELTERED: usize = 1;
pub const ENCOUNTERED: usize = 2;
pub const INTERCEPTED: usize = 3;

/// ports.csv columns the report reads.
pub const PORT_VARS: [&str; 5] = [
    "queue",
    "admitted",
    "by_appointment",
    "walk_up",
    "mean_wait_days",
];
pub const P_QUEUE: usize = 0;
pub const P_ADMITTED: usize = 1;
pub const P_BY_APPOINTMENT: usize = 2;
pub const P_WALK_UP: usize = 3;
pub const P_MEAN_WAIT: usize = 4;

/// One value of a series: a run's value, or an ensemble's quantiles and mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pt {
    pub day: i64,
    pub mid: f64,
    pub lo: f64,
    pub hi: f64,
    pub mean: f64,
}

impl Pt {
    fn single(day: i64, v: f64) -> Pt {
        Pt {
            day,
            mid: v,
            lo: v,
            hi: v,
            mean: v,
        }
    }
}

/// A location with its daily series, indexed like [`DAILY_VARS`].
#[derive(Debug, Clone)]
pub struct Place {
    pub name: String,
    pub kind: String,
    pub vars: Vec<Vec<Pt>>,
}

impl Place {
    /// A place with no points yet.
    fn new(name: &str, kind: &str) -> Place {
        Place {
            name: name.to_string(),
            kind: kind.to_string(),
            vars: vec![Vec::new(); DAILY_VARS.len()],
        }
    }
}

/// A port of entry with its daily series, indexed like [`PORT_VARS`].
#[derive(Debug, Clone)]
pub struct Port {
    pub name: String,
    pub vars: Vec<Vec<Pt>>,
    /// Days the port was open (single runs only; `None` when the column is absent).
    pub open_days: Option<u64>,
    pub days: u64,
}

impl Port {
    /// A port with no points or days yet; `open_days` is `Some(0)` when open days are counted.
    fn new(name: &str, open_days: Option<u64>) -> Port {
        Port {
            name: name.to_string(),
            vars: vec![Vec::new(); PORT_VARS.len()],
            open_days,
            days: 0,
        }
    }
}

/// One row of monthly.csv or monthly_stats.csv.
#[derive(Debug, Clone)]
pub struct Monthly {
    pub month: String,
    pub component: String,
    pub area: String,
    pub value: Pt,
}

/// Observed counts at one location.
#[derive(Debug, Clone)]
pub struct Observed {
    pub location: String,
    pub points: Vec<(i64, f64)>,
}

/// What out.csv (Flee format) adds: per-camp simulated and data columns and
/// Flee's daily `Total error`.
#[derive(Debug, Clone, Default)]
pub struct OutCsv {
    pub camps: Vec<OutCamp>,
    pub total_error: Vec<(i64, f64)>,
}

/// One camp's columns of out.csv.
#[derive(Debug, Clone)]
pub struct OutCamp {
    pub name: String,
    pub sim: Vec<(i64, f64)>,
    pub data: Vec<(i64, f64)>,
}

/// A node of network.json.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub kind: String,
    pub lat: f64,
    pub lon: f64,
    pub country: String,
    pub region: String,
}

/// A link of network.json.
#[derive(Debug, Clone)]
pub struct Link {
    pub from: String,
    pub to: String,
    pub distance_km: Option<f64>,
}

/// network.json: nodes with coordinates (nodes without them are counted, not drawn).
#[derive(Debug, Clone, Default)]
pub struct Network {
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
    /// Port entries as given (objects, or bare names turned into `{"name": ..}`).
    pub ports: Vec<serde_json::Map<String, Value>>,
    pub without_coordinates: usize,
}

impl Network {
    /// Name of each port entry (`name`, else `location`).
    pub fn port_names(&self) -> Vec<String> {
        self.ports
            .iter()
            .filter_map(|p| {
                p.get("name")
                    .or_else(|| p.get("location"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect()
    }
}

/// Everything the report draws for one run or one ensemble.
#[derive(Debug, Clone)]
pub struct RunData {
    /// True for an ensemble directory (values carry bands).
    pub ensemble: bool,
    pub summary: Value,
    /// Day number of day 0 (days since 1970-01-01), when dates are known.
    pub day0: Option<i64>,
    pub places: Vec<Place>,
    pub ports: Vec<Port>,
    pub monthly: Vec<Monthly>,
    /// observed_monthly.csv: observed monthly counts (CBP encounters), people.
    pub observed_monthly: Vec<Monthly>,
    pub observed: Vec<Observed>,
    pub out: Option<OutCsv>,
    pub network: Option<Network>,
}

impl RunData {
    /// A string field of summary.json.
    pub fn summary_str(&self, key: &str) -> Option<String> {
        match self.summary.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// True for a Flee instance run (`input_kind` = `flee`).
    pub fn is_flee(&self) -> bool {
        self.summary_str("input_kind").as_deref() == Some("flee")
    }

    /// Last day present in the daily series.
    pub fn last_day(&self) -> Option<i64> {
        self.places
            .iter()
            .filter_map(|p| p.vars[POPULATION].last().map(|pt| pt.day))
            .max()
    }

    /// Finds a place by name.
    pub fn place(&self, name: &str) -> Option<&Place> {
        self.places.iter().find(|p| p.name == name)
    }
}

/// Whether a directory's manifest is checked before its files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Checked when there is one (every file hashed).
    Manifest,
    /// Not checked: the caller has just written the files (and seals them
    /// itself) or checked the manifest.
    Sealed,
}

/// Loads a run directory (daily.csv) or an ensemble directory (daily_stats.csv),
/// checking its manifest as `check` says.
pub fn load_run_as(dir: &Path, check: Check) -> Result<RunData, ReportError> {
    // A directory corridor wrote carries a manifest: render it only when whole, so
    // a report never shows an interrupted run or the files of two runs. Without a
    // manifest (a directory assembled by hand) the files are read as they are;
    // `corridor report` itself requires the manifest.
    if check == Check::Manifest && dir.join(corridor_io::write::MANIFEST_FILE).exists() {
        corridor_io::write::check_dir(dir)?;
    }
    let summary_path = dir.join("summary.json");
    let summary = read_json(&summary_path)?;
    if !summary.is_object() {
        return Err(ReportError::BadField {
            path: summary_path,
            field: "(top level)".into(),
            message: "expected a JSON object".into(),
        });
    }
    let ensemble = crate::load_parquet::exists(&dir.join("daily_stats.csv"))
        || summary.get("ensemble").is_some();
    let mut day0 = None;
    let places = if ensemble {
        load_daily_stats(&dir.join("daily_stats.csv"), &mut day0)?
    } else {
        load_daily(&dir.join("daily.csv"), &mut day0)?
    };
    let ports = if ensemble {
        optional(&dir.join("ports_stats.csv"), load_ports_stats)?
    } else {
        optional(&dir.join("ports.csv"), load_ports)?
    }
    .unwrap_or_default();
    let monthly = if ensemble {
        optional(&dir.join("monthly_stats.csv"), |p| load_monthly(p, true))?
    } else {
        optional(&dir.join("monthly.csv"), |p| load_monthly(p, false))?
    }
    .unwrap_or_default();
    let observed = optional(&dir.join("observed.csv"), load_observed)?.unwrap_or_default();
    let observed_monthly =
        optional(&dir.join("observed_monthly.csv"), load_observed_monthly)?.unwrap_or_default();
    let out = if ensemble {
        None
    } else {
        optional(&dir.join("out.csv"), load_out)?
    };
    let network = optional(&dir.join("network.json"), load_network)?;
    if day0.is_none() {
        day0 = summary
            .get("start_date")
            .and_then(Value::as_str)
            .and_then(dates::parse);
    }
    let mut run = RunData {
        ensemble,
        summary,
        day0,
        places,
        ports,
        monthly,
        observed_monthly,
        observed,
        out,
        network,
    };
    in_people(&mut run);
    Ok(run)
}

/// Scales the per-day tables to people. A run's daily.csv, ports.csv and
/// observed.csv count people when summary.json's `file_units` says so (every run
/// this version writes); older run directories and the ensemble's `*_stats.csv`
/// count agents (one agent = `hasten` people), as the records do. summary.json,
/// compare.json and a run's monthly.csv always count people. A Flee instance
/// without `file_units` stays in agents, because its camps are drawn against
/// observed data as Flee compares them (agents to data).
fn in_people(run: &mut RunData) {
    let k = run
        .summary
        .get("hasten")
        .and_then(Value::as_f64)
        .unwrap_or(1.0)
        .max(1.0);
    let tables_in_people = !run.ensemble
        && run
            .summary
            .get("file_units")
            .and_then(|u| u.get("daily.csv"))
            .and_then(Value::as_str)
            == Some("people");
    if k == 1.0 || run.is_flee() || tables_in_people {
        return;
    }
    let scale = |pts: &mut [Pt]| {
        for p in pts {
            p.mid *= k;
            p.lo *= k;
            p.hi *= k;
            p.mean *= k;
        }
    };
    for place in &mut run.places {
        place.vars.iter_mut().for_each(|v| scale(v));
    }
    for port in &mut run.ports {
        for (i, v) in port.vars.iter_mut().enumerate() {
            if i != P_MEAN_WAIT {
                scale(v);
            }
        }
    }
    if run.ensemble {
        for m in &mut run.monthly {
            scale(std::slice::from_mut(&mut m.value));
        }
    }
}

/// Runs `load` when the file exists.
fn optional<T>(
    path: &Path,
    load: impl FnOnce(&Path) -> Result<T, ReportError>,
) -> Result<Option<T>, ReportError> {
    if crate::load_parquet::exists(path) {
        load(path).map(Some)
    } else {
        Ok(None)
    }
}

/// Reads and parses a JSON file; a missing file is [`ReportError::MissingFile`].
pub fn read_json(path: &Path) -> Result<Value, ReportError> {
    let text = read_text(path)?;
    serde_json::from_str(&text).map_err(|e| ReportError::Json {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn read_text(path: &Path) -> Result<String, ReportError> {
    if let Some(text) = crate::load_parquet::read_twin(path) {
        return text;
    }
    if !path.is_file() {
        return Err(ReportError::MissingFile {
            path: path.to_path_buf(),
        });
    }
    fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// A CSV file held in memory with its header, for column lookup by name; cells
/// and header names are read with surrounding whitespace trimmed.
pub(crate) struct Table {
    path: PathBuf,
    headers: Vec<String>,
    pub(crate) rows: Vec<(u64, csv::StringRecord)>,
}

/// Rows of a statistics file the report does not draw: those whose `column`
/// (the variable) is not one of `keep`, unless they are the first row of their
/// `key` (the location or port), which fixes the order of places.
struct Skip<'a> {
    column: &'a str,
    keep: &'a [&'a str],
    key: &'a str,
}

impl Table {
    pub(crate) fn read(path: &Path) -> Result<Table, ReportError> {
        Table::read_skipping(path, None)
    }

    /// [`Table::read`] without the rows `skip` names (all rows are kept when
    /// the file lacks its columns): an ensemble's daily_stats.csv holds ten
    /// variables, of which the report draws four, and keeping every row was
    /// most of the time its report took to read it. The rows left give the
    /// same places, in the same order, with the same points.
    fn read_skipping(path: &Path, skip: Option<Skip>) -> Result<Table, ReportError> {
        let text = read_text(path)?;
        // Cells are trimmed when read (`Table::str`), not by the reader: the
        // reader's `Trim::All` copies every record twice and was two thirds of
        // the time a run's report took to read its tables.
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let csv_err = |e: csv::Error| ReportError::Csv {
            path: path.to_path_buf(),
            line: e.position().map(|p| p.line()).unwrap_or(1),
            message: e.to_string(),
        };
        let headers: Vec<String> = rdr
            .headers()
            .map_err(csv_err)?
            .iter()
            .map(|h| h.trim().trim_start_matches('#').trim().to_string())
            .collect();
        let find = |name: &str| headers.iter().position(|h| h == name);
        let skip = skip.and_then(|s| Some((find(s.column)?, s.keep, find(s.key)?)));
        let mut keys_seen: std::collections::HashSet<String> = Default::default();
        let mut rows = Vec::new();
        let mut rec = csv::StringRecord::new();
        while rdr.read_record(&mut rec).map_err(csv_err)? {
            if let Some((var, keep, key)) = skip {
                if let (Some(v), Some(k)) = (rec.get(var), rec.get(key)) {
                    let k = k.trim();
                    if !keep.contains(&v.trim()) && keys_seen.contains(k) {
                        continue;
                    }
                    if !keys_seen.contains(k) {
                        keys_seen.insert(k.to_string());
                    }
                }
            }
            if rec.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            rows.push((line, rec.clone()));
        }
        Ok(Table {
            path: path.to_path_buf(),
            headers,
            rows,
        })
    }

    pub(crate) fn col(&self, name: &str) -> Result<usize, ReportError> {
        self.opt(name).ok_or_else(|| ReportError::MissingColumn {
            path: self.path.clone(),
            column: name.to_string(),
        })
    }

    pub(crate) fn opt(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    pub(crate) fn bad(&self, line: u64, col: usize, message: String) -> ReportError {
        ReportError::BadValue {
            path: self.path.clone(),
            line,
            column: self.headers.get(col).cloned().unwrap_or_default(),
            message,
        }
    }

    pub(crate) fn str<'r>(
        &self,
        line: u64,
        rec: &'r csv::StringRecord,
        col: usize,
    ) -> Result<&'r str, ReportError> {
        rec.get(col)
            .map(str::trim)
            .ok_or_else(|| self.bad(line, col, "row is shorter than the header".into()))
    }

    /// The cell of an optional column, `""` when the file has no such column.
    fn opt_str<'r>(
        &self,
        line: u64,
        rec: &'r csv::StringRecord,
        col: Option<usize>,
    ) -> Result<&'r str, ReportError> {
        match col {
            Some(c) => self.str(line, rec, c),
            None => Ok(""),
        }
    }

    /// Adds a run's row to its series: column `cols[v]` (when present) to `series[v]`.
    fn push_columns(
        &self,
        line: u64,
        rec: &csv::StringRecord,
        cols: &[Option<usize>],
        day: i64,
        series: &mut [Vec<Pt>],
    ) -> Result<(), ReportError> {
        for (v, c) in cols.iter().enumerate() {
            if let Some(c) = *c {
                series[v].push(Pt::single(day, self.num(line, rec, c)?));
            }
        }
        Ok(())
    }

    pub(crate) fn num(
        &self,
        line: u64,
        rec: &csv::StringRecord,
        col: usize,
    ) -> Result<f64, ReportError> {
        let s = self.str(line, rec, col)?;
        match s.parse::<f64>() {
            Ok(v) if !v.is_infinite() => Ok(v),
            _ => Err(self.bad(line, col, format!("expected a number, found `{s}`"))),
        }
    }

    fn int(&self, line: u64, rec: &csv::StringRecord, col: usize) -> Result<i64, ReportError> {
        let s = self.str(line, rec, col)?;
        s.parse::<i64>()
            .map_err(|_| self.bad(line, col, format!("expected a whole number, found `{s}`")))
    }

    /// Day 0's date from the first row whose `date` parses.
    fn day0(&self, day_col: usize) -> Option<i64> {
        let date_col = self.opt("date").or_else(|| self.opt("Date"))?;
        self.rows.iter().find_map(|(_, rec)| {
            let day: i64 = rec.get(day_col)?.trim().parse().ok()?;
            Some(dates::parse(rec.get(date_col)?.trim())? - day)
        })
    }
}

/// Finds or creates the entry named `name`, keeping first-appearance order.
fn slot<T>(
    items: &mut Vec<T>,
    index: &mut HashMap<String, usize>,
    name: &str,
    make: impl FnOnce() -> T,
) -> usize {
    if let Some(&i) = index.get(name) {
        return i;
    }
    items.push(make());
    index.insert(name.to_string(), items.len() - 1);
    items.len() - 1
}

fn sort_series(vars: &mut [Vec<Pt>]) {
    for s in vars {
        s.sort_by_key(|p| p.day);
    }
}

fn load_daily(path: &Path, day0: &mut Option<i64>) -> Result<Vec<Place>, ReportError> {
    let t = Table::read(path)?;
    let c_day = t.col("day")?;
    let c_loc = t.col("location")?;
    let c_kind = t.opt("kind");
    let cols: Vec<Option<usize>> = DAILY_VARS.iter().map(|v| t.opt(v)).collect();
    if cols[POPULATION].is_none() {
        t.col("population")?;
    }
    *day0 = t.day0(c_day);
    let mut places: Vec<Place> = Vec::new();
    let mut index = HashMap::new();
    for (line, rec) in &t.rows {
        let day = t.int(*line, rec, c_day)?;
        let name = t.str(*line, rec, c_loc)?;
        let kind = t.opt_str(*line, rec, c_kind)?;
        let i = slot(&mut places, &mut index, name, || Place::new(name, kind));
        t.push_columns(*line, rec, &cols, day, &mut places[i].vars)?;
    }
    for p in &mut places {
        sort_series(&mut p.vars);
    }
    Ok(places)
}

/// Column indices of an ensemble statistics file.
struct StatCols {
    p50: usize,
    p5: Option<usize>,
    p95: Option<usize>,
    mean: Option<usize>,
}

/// Columns of a per-day statistics file (`daily_stats`, `ports_stats`): `day`,
/// `variable` and the statistics.
struct DayStatCols {
    day: usize,
    var: usize,
    stats: StatCols,
}

impl DayStatCols {
    fn new(t: &Table, c_day: usize) -> Result<DayStatCols, ReportError> {
        let var = t.col("variable")?;
        Ok(DayStatCols {
            day: c_day,
            var,
            stats: StatCols::new(t)?,
        })
    }

    /// Adds a row to the series of its `variable` when that is one of `names`
    /// (indexing `series`); rows of other variables are skipped unread.
    fn push_row(
        &self,
        t: &Table,
        line: u64,
        rec: &csv::StringRecord,
        names: &[&str],
        series: &mut [Vec<Pt>],
    ) -> Result<(), ReportError> {
        let var = t.str(line, rec, self.var)?;
        if let Some(v) = names.iter().position(|d| *d == var) {
            let day = t.int(line, rec, self.day)?;
            series[v].push(self.stats.pt(t, line, rec, day)?);
        }
        Ok(())
    }
}

impl StatCols {
    fn new(t: &Table) -> Result<StatCols, ReportError> {
        Ok(StatCols {
            p50: t.col("p50")?,
            p5: t.opt("p5"),
            p95: t.opt("p95"),
            mean: t.opt("mean"),
        })
    }

    /// Ensemble writers leave a statistic empty when it is undefined (NaN); it
    /// reads as NaN, which charts draw as a gap and totals skip.
    fn pt(
        &self,
        t: &Table,
        line: u64,
        rec: &csv::StringRecord,
        day: i64,
    ) -> Result<Pt, ReportError> {
        let stat = |c: usize| -> Result<f64, ReportError> {
            if t.str(line, rec, c)?.is_empty() {
                Ok(f64::NAN)
            } else {
                t.num(line, rec, c)
            }
        };
        let mid = stat(self.p50)?;
        let get = |c: Option<usize>| -> Result<f64, ReportError> {
            match c {
                Some(c) => stat(c),
                None => Ok(mid),
            }
        };
        Ok(Pt {
            day,
            mid,
            lo: get(self.p5)?,
            hi: get(self.p95)?,
            mean: get(self.mean)?,
        })
    }
}

fn load_daily_stats(path: &Path, day0: &mut Option<i64>) -> Result<Vec<Place>, ReportError> {
    let skip = Skip {
        column: "variable",
        keep: &DAILY_VARS,
        key: "location",
    };
    let t = Table::read_skipping(path, Some(skip))?;
    let c_day = t.col("day")?;
    let c_loc = t.col("location")?;
    let c_kind = t.opt("kind");
    let sc = DayStatCols::new(&t, c_day)?;
    *day0 = t.day0(c_day);
    let mut places: Vec<Place> = Vec::new();
    let mut index = HashMap::new();
    for (line, rec) in &t.rows {
        let name = t.str(*line, rec, c_loc)?;
        let kind = t.opt_str(*line, rec, c_kind)?;
        let i = slot(&mut places, &mut index, name, || Place::new(name, kind));
        sc.push_row(&t, *line, rec, &DAILY_VARS, &mut places[i].vars)?;
    }
    for p in &mut places {
        sort_series(&mut p.vars);
    }
    Ok(places)
}

fn load_ports(path: &Path) -> Result<Vec<Port>, ReportError> {
    let t = Table::read(path)?;
    let c_day = t.col("day")?;
    let c_port = t.col("port")?;
    let c_open = t.opt("open");
    let cols: Vec<Option<usize>> = PORT_VARS.iter().map(|v| t.opt(v)).collect();
    let mut ports: Vec<Port> = Vec::new();
    let mut index = HashMap::new();
    for (line, rec) in &t.rows {
        let day = t.int(*line, rec, c_day)?;
        let name = t.str(*line, rec, c_port)?;
        let i = slot(&mut ports, &mut index, name, || {
            Port::new(name, c_open.map(|_| 0))
        });
        t.push_columns(*line, rec, &cols, day, &mut ports[i].vars)?;
        ports[i].days += 1;
        if let Some(c) = c_open {
            let s = t.str(*line, rec, c)?;
            let open = match s.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => {
                    return Err(t.bad(*line, c, format!("expected true/false or 1/0, found `{s}`")))
                }
            };
            if let Some(n) = ports[i].open_days.as_mut() {
                *n += u64::from(open);
            }
        }
    }
    for p in &mut ports {
        sort_series(&mut p.vars);
    }
    Ok(ports)
}

fn load_ports_stats(path: &Path) -> Result<Vec<Port>, ReportError> {
    let skip = Skip {
        column: "variable",
        keep: &PORT_VARS,
        key: "port",
    };
    let t = Table::read_skipping(path, Some(skip))?;
    let c_day = t.col("day")?;
    let c_port = t.col("port")?;
    let sc = DayStatCols::new(&t, c_day)?;
    let mut ports: Vec<Port> = Vec::new();
    let mut index = HashMap::new();
    for (line, rec) in &t.rows {
        let name = t.str(*line, rec, c_port)?;
        let i = slot(&mut ports, &mut index, name, || Port::new(name, None));
        sc.push_row(&t, *line, rec, &PORT_VARS, &mut ports[i].vars)?;
    }
    for p in &mut ports {
        sort_series(&mut p.vars);
        p.days = p.vars.iter().map(Vec::len).max().unwrap_or(0) as u64;
    }
    Ok(ports)
}

fn load_monthly(path: &Path, stats: bool) -> Result<Vec<Monthly>, ReportError> {
    let t = Table::read(path)?;
    let c_month = t.col("month")?;
    let c_comp = t.col("component")?;
    let c_area = t.col("area_of_responsibility")?;
    let sc = if stats {
        Some(StatCols::new(&t)?)
    } else {
        None
    };
    let c_enc = if stats { 0 } else { t.col("encounters")? };
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, rec) in &t.rows {
        let value = match &sc {
            Some(sc) => sc.pt(&t, *line, rec, 0)?,
            None => Pt::single(0, t.num(*line, rec, c_enc)?),
        };
        out.push(Monthly {
            month: t.str(*line, rec, c_month)?.to_string(),
            component: t.str(*line, rec, c_comp)?.to_string(),
            area: t.str(*line, rec, c_area)?.to_string(),
            value,
        });
    }
    Ok(out)
}

/// observed_monthly.csv: `month,component,area_of_responsibility,observed`
/// (people, as observed: never scaled).
fn load_observed_monthly(path: &Path) -> Result<Vec<Monthly>, ReportError> {
    let t = Table::read(path)?;
    let c_month = t.col("month")?;
    let c_comp = t.col("component")?;
    let c_area = t.col("area_of_responsibility")?;
    let c_obs = t.col("observed")?;
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, rec) in &t.rows {
        let month = t.str(*line, rec, c_month)?;
        if dates::parse(&format!("{month}-01")).is_none() {
            return Err(t.bad(
                *line,
                c_month,
                format!("expected a month YYYY-MM, found `{month}`"),
            ));
        }
        out.push(Monthly {
            month: month.to_string(),
            component: t.str(*line, rec, c_comp)?.to_string(),
            area: t.str(*line, rec, c_area)?.to_string(),
            value: Pt::single(0, t.num(*line, rec, c_obs)?),
        });
    }
    Ok(out)
}

fn load_observed(path: &Path) -> Result<Vec<Observed>, ReportError> {
    let t = Table::read(path)?;
    let c_day = t.col("day")?;
    let c_loc = t.col("location")?;
    let c_obs = t.col("observed")?;
    let mut out: Vec<Observed> = Vec::new();
    let mut index = HashMap::new();
    for (line, rec) in &t.rows {
        let name = t.str(*line, rec, c_loc)?;
        // Observations are often sparse: an empty cell is a day without data.
        if t.str(*line, rec, c_obs)?.is_empty() {
            continue;
        }
        let day = t.int(*line, rec, c_day)?;
        let v = t.num(*line, rec, c_obs)?;
        let i = slot(&mut out, &mut index, name, || Observed {
            location: name.to_string(),
            points: Vec::new(),
        });
        out[i].points.push((day, v));
    }
    for o in &mut out {
        o.points.sort_by_key(|p| p.0);
    }
    Ok(out)
}

fn load_out(path: &Path) -> Result<OutCsv, ReportError> {
    let t = Table::read(path)?;
    let c_day = t.col("Day")?;
    let mut camps = Vec::new();
    for (i, h) in t.headers.iter().enumerate() {
        if let Some(name) = h.strip_suffix(" sim") {
            camps.push((name.to_string(), i, t.opt(&format!("{name} data"))));
        }
    }
    let c_err = t.opt("Total error");
    let mut out = OutCsv {
        camps: camps
            .iter()
            .map(|(n, _, _)| OutCamp {
                name: n.clone(),
                sim: Vec::new(),
                data: Vec::new(),
            })
            .collect(),
        total_error: Vec::new(),
    };
    for (line, rec) in &t.rows {
        let day = t.int(*line, rec, c_day)?;
        for (k, (_, c_sim, c_data)) in camps.iter().enumerate() {
            out.camps[k].sim.push((day, t.num(*line, rec, *c_sim)?));
            if let Some(c) = c_data {
                out.camps[k].data.push((day, t.num(*line, rec, *c)?));
            }
        }
        if let Some(c) = c_err {
            out.total_error.push((day, t.num(*line, rec, c)?));
        }
    }
    Ok(out)
}

fn load_network(path: &Path) -> Result<Network, ReportError> {
    let v = read_json(path)?;
    let bad = |field: &str, message: &str| ReportError::BadField {
        path: path.to_path_buf(),
        field: field.to_string(),
        message: message.to_string(),
    };
    let mut net = Network::default();
    let locs = match v.get("locations") {
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(bad("locations", "expected an array")),
        None => &[],
    };
    for (i, l) in locs.iter().enumerate() {
        let field = format!("locations[{i}]");
        let name = l
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(&field, "expected an object with a string `name`"))?;
        let text = |k: &str| l.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        match (
            l.get("lat").and_then(Value::as_f64),
            l.get("lon").and_then(Value::as_f64),
        ) {
            (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() => net.nodes.push(Node {
                name: name.to_string(),
                kind: text("kind"),
                lat,
                lon,
                country: text("country"),
                region: text("region"),
            }),
            _ => net.without_coordinates += 1,
        }
    }
    if let Some(Value::Array(links)) = v.get("links") {
        for (i, l) in links.iter().enumerate() {
            let field = format!("links[{i}]");
            let end = |k: &str| {
                l.get(k)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| bad(&field, "expected string `from` and `to`"))
            };
            net.links.push(Link {
                from: end("from")?,
                to: end("to")?,
                distance_km: l.get("distance_km").and_then(Value::as_f64),
            });
        }
    }
    if let Some(Value::Array(ports)) = v.get("ports") {
        for p in ports {
            match p {
                Value::Object(m) => net.ports.push(m.clone()),
                Value::String(s) => {
                    let mut m = serde_json::Map::new();
                    m.insert("name".into(), Value::String(s.clone()));
                    net.ports.push(m);
                }
                _ => {}
            }
        }
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cells and header names are read trimmed (a hand-padded file, a `#`
    /// before the header), quoted cells included, and blank rows skipped:
    /// the same data as the unpadded file.
    #[test]
    fn padded_tables_read_as_unpadded() {
        let tmp = tempfile::tempdir().unwrap();
        let load = |name: &str, daily: &str| {
            let dir = tmp.path().join(name);
            fs::create_dir(&dir).unwrap();
            fs::write(dir.join("summary.json"), r#"{"hasten": 1}"#).unwrap();
            fs::write(dir.join("daily.csv"), daily).unwrap();
            load_run_as(&dir, Check::Manifest).unwrap()
        };
        let plain = load(
            "plain",
            "day,date,location,kind,population\n0,2023-06-01,A,town,5\n1,2023-06-02,A,town,7\n",
        );
        let padded = load(
            "padded",
            " # day , date ,location, kind ,population \n 0 , 2023-06-01 ,\" A \",town, 5\n , , \n1,2023-06-02 , A ,town ,7\t\n",
        );
        assert_eq!(plain.day0, dates::parse("2023-06-01"));
        assert_eq!(padded.day0, plain.day0);
        assert_eq!(padded.places.len(), 1);
        let (a, b) = (&plain.places[0], &padded.places[0]);
        assert_eq!((&a.name, &a.kind), (&b.name, &b.kind));
        assert_eq!(a.vars, b.vars);
        assert_eq!(a.vars[POPULATION].len(), 2);
    }

    /// Rows of variables the report does not draw are skipped, except the
    /// first row of each location, so places keep their first-appearance
    /// order (here A, first seen in a `queue` row, before B).
    #[test]
    fn skipped_statistics_rows_keep_places_and_points() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("daily_stats.csv");
        let rows = [
            "day,date,location,kind,variable,mean,sd,p5,p50,p95",
            "0,2023-06-01,A,town,queue,1,,1,1,1",
            "0,2023-06-01,B,camp,population,2,,2,2,2",
            "0,2023-06-01,A,town,population,3,,3,3,3",
            "1,2023-06-02,A,town,arrived,4,,4,4,4",
            "1,2023-06-02,A,town,population,5,,4,5,6",
        ];
        fs::write(&path, rows.join("\n")).unwrap();
        let skip = Skip {
            column: "variable",
            keep: &DAILY_VARS,
            key: "location",
        };
        let t = Table::read_skipping(&path, Some(skip)).unwrap();
        let lines: Vec<u64> = t.rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 3, 4, 6]);
        let mut day0 = None;
        let places = load_daily_stats(&path, &mut day0).unwrap();
        assert_eq!(day0, dates::parse("2023-06-01"));
        let names: Vec<_> = places
            .iter()
            .map(|p| (p.name.as_str(), p.kind.as_str()))
            .collect();
        assert_eq!(names, [("A", "town"), ("B", "camp")]);
        let a: Vec<_> = places[0].vars[POPULATION]
            .iter()
            .map(|p| (p.day, p.lo, p.mid, p.hi))
            .collect();
        assert_eq!(a, [(0, 3.0, 3.0, 3.0), (1, 4.0, 5.0, 6.0)]);
        assert_eq!(places[1].vars[POPULATION].len(), 1);
        assert!(places[0].vars[UNSHELTERED].is_empty());
    }
}
