//! Writers of an ensemble directory (output contract, docs/design.md §5):
//! `daily_stats.csv`, `ports_stats.csv` (when runs have ports), `totals_stats.csv`,
//! `monthly_stats.csv` (when a monthly map was given) and `summary.json`.
//!
//! Every file is written atomically: into a temporary file in the same directory,
//! flushed, then renamed over the target, so a reader never sees half a file.
//! Numbers are printed with at most 6 decimals, trailing zeros removed; a NaN
//! (the sd of a single member) is an empty CSV field and a JSON `null`. No
//! wall-clock time and no absolute path goes into any file, so equal ensembles
//! give byte-identical directories.

use crate::error::EnsembleError;
use crate::member::{Ensemble, DAILY_VARIABLES, PORT_VARIABLES, TOTAL_VARIABLES};
use crate::stats::Stats;
use serde_json::{json, Map, Value};
use std::fs;
use std::io::Write;
use std::path::Path;

/// Writes `path` atomically (corridor-io's writer: a temporary sibling, synced,
/// renamed over `path` only when `fill` succeeded).
pub fn atomic_write(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), EnsembleError> {
    corridor_io::write::write_atomic_with(path, fill).map_err(|e| match e {
        corridor_io::write::WriteError::Io { path, source } => EnsembleError::Io { path, source },
        other => EnsembleError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(other.to_string()),
        },
    })
}

/// A number as written to CSV: ≤ 6 decimals, no trailing zeros, empty for NaN.
pub fn fmt_num(x: f64) -> String {
    let mut s = String::new();
    push_num(&mut s, x);
    s
}

/// Appends [`fmt_num`]`(x)` to `out` without allocating. An ensemble
/// directory holds millions of numbers: whole ones (quantiles of counts) are
/// printed as the digits that `{:.6}` would print before its `.000000`; the
/// others are rounded to millionths exactly as `{:.6}` rounds
/// ([`millionths`]) and printed from that integer, which takes a tenth of the
/// time `fmt` took. Infinities keep `fmt`.
pub fn push_num(out: &mut String, x: f64) {
    use std::fmt::Write as _;
    if x.is_nan() {
        return;
    }
    if !x.is_finite() {
        let _ = write!(out, "{x:.6}");
        return;
    }
    // Below 2^53 every whole f64 is an exact i64; `-0.0` prints as 0, which
    // is what `{:.6}` and trimming make of it.
    if x.trunc() == x && x.abs() < 9.0e15 {
        if x < 0.0 {
            out.push('-');
        }
        corridor_io::write::push_u64(out, x.abs() as u64);
        return;
    }
    if x.abs() >= 9.0e15 {
        // Whole (every f64 this large is) and beyond the exact integers.
        let _ = write!(out, "{x:.0}");
        return;
    }
    let m = millionths(x);
    if m == 0 {
        out.push('0');
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    // m < 9e15 · 1e6 + 1: the whole part fits a u64.
    corridor_io::write::push_u64(out, (m / 1_000_000) as u64);
    let frac = (m % 1_000_000) as u32;
    if frac != 0 {
        let mut digits = [b'0'; 6];
        let mut f = frac;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (f % 10) as u8;
            f /= 10;
        }
        let len = 6 - digits.iter().rev().take_while(|&&d| d == b'0').count();
        out.push('.');
        out.extend(digits[..len].iter().map(|&b| char::from(b)));
    }
}

/// |x| × 10⁶ rounded to a whole number as `{:.6}` rounds: from the exact
/// binary value, a tie to the even neighbour. `x` is finite, not whole and
/// |x| < 9e15, so |x| = m · 2^e with m < 2^53 and e < 0, and m · 10⁶ fits
/// 128 bits exactly.
fn millionths(x: f64) -> u128 {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e) = if biased == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), biased - 1075)
    };
    let shift = e.unsigned_abs();
    if e >= 0 {
        return (m as u128 * 1_000_000) << shift;
    }
    // m · 10⁶ < 2^73 ≤ half of 2^shift: rounds to 0.
    if shift > 100 {
        return 0;
    }
    let n = m as u128 * 1_000_000;
    let q = n >> shift;
    let rem = n - (q << shift);
    let half = 1u128 << (shift - 1);
    if rem > half || (rem == half && q & 1 == 1) {
        q + 1
    } else {
        q
    }
}

/// A number for JSON: `null` for NaN or infinities.
fn json_num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// Appends `mean,sd,p5,p50,p95` and the line's end.
fn push_stats_line(line: &mut String, s: &Stats) {
    for (i, x) in [s.mean, s.sd, s.p5, s.p50, s.p95].into_iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_num(line, x);
    }
    line.push('\n');
}

fn stats_json(s: &Stats) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("mean".into(), json_num(s.mean));
    m.insert("sd".into(), json_num(s.sd));
    m.insert("p5".into(), json_num(s.p5));
    m.insert("p50".into(), json_num(s.p50));
    m.insert("p95".into(), json_num(s.p95));
    m
}

/// CSV field quoting for names that contain a comma, quote or newline.
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

impl Ensemble {
    fn date(&self, day: u32) -> String {
        self.start_date.add_days(day as i64).to_string()
    }

    /// `daily_stats.csv`: `day,date,location,kind,variable,mean,sd,p5,p50,p95`, by day,
    /// then location in scenario order, then variable in `daily.csv` column order.
    pub fn write_daily_stats(&self, w: &mut dyn Write) -> std::io::Result<()> {
        writeln!(w, "day,date,location,kind,variable,mean,sd,p5,p50,p95")?;
        // One line buffer for every row: a row is a few dozen bytes, and
        // there are days × locations × variables of them. The row's first
        // cells are rendered once per day and per location, not per row
        // through `fmt` (that was half of this writer's time).
        let places: Vec<String> = (self.locations.iter().zip(&self.kinds))
            .map(|(name, kind)| format!("{},{},", csv_field(name), kind.as_str()))
            .collect();
        let mut line = String::with_capacity(160);
        for (di, &day) in self.days.iter().enumerate() {
            let date = format!("{day},{},", self.date(day));
            for (li, place) in places.iter().enumerate() {
                for (vi, var) in DAILY_VARIABLES.iter().enumerate() {
                    line.clear();
                    line.push_str(&date);
                    line.push_str(place);
                    line.push_str(var);
                    line.push(',');
                    push_stats_line(&mut line, self.daily(di, li, vi));
                    w.write_all(line.as_bytes())?;
                }
            }
        }
        Ok(())
    }

    /// `ports_stats.csv`: `day,date,port,variable,mean,sd,p5,p50,p95`.
    pub fn write_ports_stats(&self, w: &mut dyn Write) -> std::io::Result<()> {
        writeln!(w, "day,date,port,variable,mean,sd,p5,p50,p95")?;
        let names: Vec<String> = self
            .ports
            .iter()
            .map(|name| format!("{},", csv_field(name)))
            .collect();
        let mut line = String::with_capacity(160);
        for (di, &day) in self.days.iter().enumerate() {
            let date = format!("{day},{},", self.date(day));
            for (pi, name) in names.iter().enumerate() {
                for (vi, var) in PORT_VARIABLES.iter().enumerate() {
                    line.clear();
                    line.push_str(&date);
                    line.push_str(name);
                    line.push_str(var);
                    line.push(',');
                    push_stats_line(&mut line, self.port(di, pi, vi));
                    w.write_all(line.as_bytes())?;
                }
            }
        }
        Ok(())
    }

    /// `totals_stats.csv`: `day,date,variable,mean,sd,p5,p50,p95` over [`TOTAL_VARIABLES`].
    pub fn write_totals_stats(&self, w: &mut dyn Write) -> std::io::Result<()> {
        use std::fmt::Write as _;
        writeln!(w, "day,date,variable,mean,sd,p5,p50,p95")?;
        let mut line = String::with_capacity(160);
        for (di, &day) in self.days.iter().enumerate() {
            let date = self.date(day);
            for (vi, var) in TOTAL_VARIABLES.iter().enumerate() {
                line.clear();
                let _ = write!(line, "{day},{date},{var},");
                push_stats_line(&mut line, self.total(di, vi));
                w.write_all(line.as_bytes())?;
            }
        }
        Ok(())
    }

    /// `monthly_stats.csv`: `month,component,area_of_responsibility,mean,sd,p5,p50,p95`,
    /// in agents, rows in `monthly.csv` order. Only the header when the scenario has
    /// neither ports nor crossings.
    pub fn write_monthly_stats(&self, w: &mut dyn Write) -> std::io::Result<()> {
        writeln!(
            w,
            "month,component,area_of_responsibility,mean,sd,p5,p50,p95"
        )?;
        if let Some(m) = &self.monthly {
            use std::fmt::Write as _;
            let mut line = String::new();
            for ((month, component, area), s) in m.keys.iter().zip(&m.stats) {
                line.clear();
                let _ = write!(
                    line,
                    "{month},{},{},",
                    csv_field(component),
                    csv_field(area)
                );
                push_stats_line(&mut line, s);
                w.write_all(line.as_bytes())?;
            }
        }
        Ok(())
    }

    /// The `ensemble` section of summary.json: runs, seed, the ARD pair with every
    /// member's value (member order), the member seeds and the final day's totals
    /// (people).
    pub fn summary_section(&self) -> Value {
        let scalar = |s: &Option<crate::member::ScalarStats>| match s {
            None => Value::Null,
            Some(s) => {
                let mut m = stats_json(&s.stats);
                m.insert(
                    "values".into(),
                    Value::Array(s.values.iter().map(|&v| json_num(v)).collect()),
                );
                Value::Object(m)
            }
        };
        // In people, like a single run's summary.json (the cells count agents;
        // every statistic scales with them).
        let k = self.hasten.max(1) as f64;
        let mut final_totals = Map::new();
        if let Some(last) = self.days.len().checked_sub(1) {
            for (vi, var) in TOTAL_VARIABLES.iter().enumerate() {
                let s = self.total(last, vi);
                let people = Stats {
                    mean: s.mean * k,
                    sd: s.sd * k,
                    p5: s.p5 * k,
                    p50: s.p50 * k,
                    p95: s.p95 * k,
                };
                final_totals.insert((*var).into(), Value::Object(stats_json(&people)));
            }
        }
        json!({
            "runs": self.runs,
            "seed": self.seed,
            "member_seeds": self.members.iter().map(|m| m.seed).collect::<Vec<_>>(),
            "quantile_method": "type 7 (linear interpolation between order statistics)",
            "ard": scalar(&self.ard),
            "ard_rescaled": scalar(&self.ard_rescaled),
            "final": Value::Object(final_totals),
        })
    }

    /// The whole summary.json of an ensemble directory: the keys of a run's
    /// summary that an ensemble knows, plus `ensemble`. `extra` adds or replaces
    /// top-level keys; the CLI adds what only it knows (`input_kind`, `inputs`
    /// with their hashes).
    pub fn summary_json(&self, extra: &Map<String, Value>) -> Value {
        let end = self.days.last().map(|&d| self.date(d));
        let mut m = Map::new();
        m.insert("corridor_version".into(), json!(env!("CARGO_PKG_VERSION")));
        m.insert("scenario".into(), json!(self.scenario));
        m.insert("start_date".into(), json!(self.start_date.to_string()));
        m.insert("end_date".into(), json!(end));
        m.insert("days".into(), json!(self.days.len()));
        m.insert("seed".into(), json!(self.seed));
        m.insert("engine".into(), json!(self.engine));
        m.insert("hasten".into(), json!(self.hasten));
        m.insert(
            "units".into(),
            json!("people (agents × hasten); the *_stats.csv files count agents"),
        );
        m.insert("ensemble".into(), self.summary_section());
        // The key numbers with their bands over the members (people), when every
        // member carried them; the report's top cards show them.
        if let Some(k) = crate::stats::KeyNumberStats::of(&self.key_numbers) {
            m.insert("key_numbers".into(), json!(k));
        }
        m.insert("warnings".into(), json!(self.warnings));
        for (k, v) in extra {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }

    /// Writes the ensemble's files into `dir` (created if missing).
    pub fn write_dir(&self, dir: &Path, extra: &Map<String, Value>) -> Result<(), EnsembleError> {
        fs::create_dir_all(dir).map_err(|source| EnsembleError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        atomic_write(&dir.join("daily_stats.csv"), |w| self.write_daily_stats(w))?;
        if !self.ports.is_empty() {
            atomic_write(&dir.join("ports_stats.csv"), |w| self.write_ports_stats(w))?;
        }
        atomic_write(&dir.join("totals_stats.csv"), |w| {
            self.write_totals_stats(w)
        })?;
        if self.monthly.is_some() {
            atomic_write(&dir.join("monthly_stats.csv"), |w| {
                self.write_monthly_stats(w)
            })?;
        }
        let summary = self.summary_json(extra);
        atomic_write(&dir.join("summary.json"), |w| {
            serde_json::to_writer_pretty(&mut *w, &summary)?;
            writeln!(w)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_format() {
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(0.1 + 0.2), "0.3");
        assert_eq!(fmt_num(1.0 / 3.0), "0.333333");
        assert_eq!(fmt_num(-1e-9), "0");
        assert_eq!(fmt_num(1234567.5), "1234567.5");
        assert_eq!(fmt_num(f64::NAN), "");
        assert_eq!(fmt_num(-0.0), "0");
        assert_eq!(fmt_num(-3.0), "-3");
        assert_eq!(fmt_num(f64::INFINITY), "inf");
        assert_eq!(fmt_num(2.9999999), "3");
        assert_eq!(fmt_num(1e20), "100000000000000000000");
    }

    /// The formatter before its integer path and in-place trimming: `{:.6}`,
    /// trailing zeros and point removed, "-0" as "0", NaN empty.
    fn fmt_num_reference(x: f64) -> String {
        if x.is_nan() {
            return String::new();
        }
        let s = format!("{x:.6}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.')
        } else {
            &s
        };
        if s == "-0" {
            "0".into()
        } else {
            s.to_string()
        }
    }

    #[test]
    fn number_format_equals_the_reference_formatter() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1e-7,
            -1e-7,
            5e-7,
            4.9999995e-7,
            0.1234565,
            9.0e15,
            -9.0e15,
            8.999999999999998e15,
            9007199254740993.0,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            16_777_217.0,
            1234567.5,
            // Exact ties at the sixth decimal (a multiple of 5⁶ over 2^7):
            // `{:.6}` rounds them to even.
            0.0078125,
            -0.0078125,
            0.0234375,
            1.0078125,
            f64::from_bits(1),
            -f64::from_bits(1),
        ];
        // Dyadic fractions k / 2^n: every tie there is, and their neighbours.
        for n in 1..=30 {
            for k in [1u64, 3, 5, 15625, 46875, 78125, 1_000_001, 123_456_789] {
                let x = k as f64 / (1u64 << n) as f64;
                xs.extend([x, -x, x + 0.5, 1e6 + x]);
                xs.extend([
                    f64::from_bits(x.to_bits() + 1),
                    f64::from_bits(x.to_bits() - 1),
                ]);
            }
        }
        // Whole numbers, halves and awkward fractions over many magnitudes
        // (a fixed generator, so the test is the same every time).
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mag = 10f64.powi((state % 19) as i32 - 6);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let x = u * mag;
            xs.extend([
                x,
                x.round(),
                (x * 2.0).round() / 2.0,
                (x * 1e6).round() / 1e6,
            ]);
        }
        for x in xs {
            assert_eq!(fmt_num(x), fmt_num_reference(x), "{x:e}");
        }
        let mut line = String::from("a,");
        push_num(&mut line, -1e-9);
        push_num(&mut line, 0.25);
        assert_eq!(line, "a,00.25");
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        atomic_write(&p, |w| w.write_all(b"one\n")).unwrap();
        atomic_write(&p, |w| w.write_all(b"two\n")).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "two\n");
        // A failing fill keeps the old file and removes the temporary one.
        let err = atomic_write(&p, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(err.unwrap_err().to_string().contains("a.csv"));
        assert_eq!(fs::read_to_string(&p).unwrap(), "two\n");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("Mbera"), "Mbera");
        assert_eq!(csv_field("Niamey, town"), "\"Niamey, town\"");
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn summary_counts_people_and_the_stats_files_agents() {
        use crate::{run_ensemble_with, EnsembleOptions};
        use corridor_model::{
            Accounting, Date, DayRecord, Location, LocationKind, ModelError, RunOptions, RunOutput,
            Scenario,
        };
        let mut s = Scenario::new("t", Date::parse("2020-01-01").unwrap(), 2);
        s.add_location(Location::new("A", LocationKind::Town));
        s.settings.optimisations.hasten = 4;
        // Every member: 3 agents at A on both days.
        let sim = |_: &Scenario, ro: &RunOptions| -> Result<RunOutput, ModelError> {
            let rec = |day| DayRecord {
                day,
                population: vec![3],
                accounting: Accounting {
                    spawned: 3,
                    at_locations: 3,
                    ..Accounting::default()
                },
                ..DayRecord::default()
            };
            Ok(RunOutput {
                seed: ro.seed,
                days: vec![rec(0), rec(1)],
                warnings: vec![],
            })
        };
        let e = run_ensemble_with(&s, &EnsembleOptions::new(2, 1), &sim, &|_| {}).unwrap();
        let v = e.summary_json(&Map::new());
        assert_eq!(
            v["units"],
            "people (agents × hasten); the *_stats.csv files count agents"
        );
        assert_eq!(v["ensemble"]["final"]["spawned"]["mean"], 12.0);
        assert_eq!(v["ensemble"]["final"]["at_locations"]["p95"], 12.0);
        // Key numbers with their bands, in people (nobody waits at a border here:
        // the scenario has none, so every member's peak is 0 on the first day).
        assert_eq!(e.key_numbers.len(), 2);
        let k = &v["key_numbers"];
        assert_eq!(k["peak_waiting_at_border"]["p95"], 0.0);
        assert_eq!(k["peak_waiting_date"]["p50"], "2020-01-01");
        assert!(k["mean_wait_days"].is_null(), "nobody admitted: {k}");
        let mut daily = Vec::new();
        e.write_daily_stats(&mut daily).unwrap();
        let daily = String::from_utf8(daily).unwrap();
        assert!(
            daily.contains("\n1,2020-01-02,A,town,population,3,0,3,3,3\n"),
            "{daily}"
        );
    }
}
