//! One member's run reduced to a compact vector of output cells, and the
//! streaming accumulator that turns members into per-cell statistics.
//!
//! Cell order of a [`MemberResult`] (all f32, agents as in the records):
//! 1. daily cells `[day][location][DAILY_VARIABLES]`;
//! 2. port cells `[day][port][PORT_VARIABLES]` (`open` as 0/1);
//! 3. total cells `[day][TOTAL_VARIABLES]`;
//! 4. monthly cells `[month][area]` when the scenario has ports or crossings
//!    between ports: `corridor_model::border::monthly::monthly` in agents, so the
//!    rows and their order are those of the run's `monthly.csv`.
//!
//! Besides the cells, each member carries its key numbers
//! (`corridor_model::key_numbers::key_numbers`, in people): the ensemble's
//! summary gives their statistics over the members, so each key number keeps its
//! one definition and gets a band.
//!
//! f32 is exact for counts below 2^24 (16.7 M agents per cell); larger counts
//! keep 7 significant digits, which is far below the spread of any ensemble.
//!
//! The accumulator receives members strictly in member order (both the rayon
//! driver and the MPI driver guarantee it), so every statistic is a function of
//! the member results alone. It keeps one sample vector per cell, but only for
//! cells whose value has differed between members so far: structurally constant
//! cells (zeros of absent features, deterministic totals) cost nothing per member.

use crate::error::EnsembleError;
use crate::metrics::{Ard, CampObservations};
use crate::stats::{summarize_f32, Stats};
use corridor_model::border::monthly::monthly;
use corridor_model::border::Border;
use corridor_model::key_numbers::{key_numbers, KeyNumbers};
use corridor_model::{Date, DayRecord, LocationKind, RunOutput, Scenario};
use rayon::prelude::*;
use serde::Serialize;

/// Per-location variables, in `daily.csv` column order (docs/design.md §5).
pub use corridor_io::write::DAILY_VARIABLES;

/// Per-port variables, in `ports.csv` column order.
pub const PORT_VARIABLES: [&str; 6] = [
    "queue",
    "admitted",
    "by_appointment",
    "walk_up",
    "mean_wait_days",
    "open",
];

/// Whole-run variables per day: the accounting (summary.json names), then
/// `spawned_today`, `total_agents` (Flee's "total refugees (simulation)"),
/// `in_camps` (Flee's "refugees in camps (simulation)") and `refugee_debt`.
pub const TOTAL_VARIABLES: [&str; 12] = [
    "spawned",
    "at_locations",
    "on_links",
    "in_queues",
    "in_transit",
    "admitted",
    "encountered",
    "removed",
    "spawned_today",
    "total_agents",
    "in_camps",
    "refugee_debt",
];

/// What every member needs besides its own run: shapes, observations, labels.
#[derive(Debug, Clone)]
pub(crate) struct MemberContext {
    pub locations: usize,
    pub camps: Vec<usize>,
    pub observations: Option<CampObservations>,
    /// The scenario's border when it has monthly rows (ports or crossings).
    pub monthly: Option<Border>,
    pub start_date: Date,
}

/// The border of a scenario if it produces monthly encounter rows.
fn monthly_border(scenario: &Scenario) -> Option<Border> {
    let b = &scenario.border;
    (!b.ports.is_empty() || !b.crossings.is_empty()).then(|| b.clone())
}

impl MemberContext {
    pub fn new(scenario: &Scenario, days: u32) -> Self {
        MemberContext {
            locations: scenario.locations.len(),
            camps: scenario.camp_locations(),
            observations: CampObservations::new(scenario, days),
            monthly: monthly_border(scenario),
            start_date: scenario.start_date,
        }
    }
}

/// One member reduced to what the statistics need.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberResult {
    pub member: usize,
    pub seed: u64,
    /// Recorded day numbers (`DayRecord::day`).
    pub days: Vec<u32>,
    pub ports: usize,
    pub cells: Vec<f32>,
    pub ard: Option<Ard>,
    /// The member's key numbers, in people.
    pub key_numbers: Option<KeyNumbers>,
    pub warnings: Vec<String>,
}

fn field<'a>(
    v: &'a [u64],
    n: usize,
    member: usize,
    what: &'static str,
) -> Result<Option<&'a [u64]>, EnsembleError> {
    // An engine may leave a field empty when it does not apply (no ports, no
    // shelters): that reads as all zeros. Any other length is a bug.
    match v.len() {
        0 => Ok(None),
        l if l == n => Ok(Some(v)),
        l => Err(EnsembleError::Shape {
            member,
            what,
            got: l,
            expected: n,
        }),
    }
}

impl MemberResult {
    /// Compacts one run. Shapes are checked against the scenario, not against
    /// other members (the accumulator does that).
    pub(crate) fn from_run(
        ctx: &MemberContext,
        scenario: &Scenario,
        member: usize,
        seed: u64,
        run: &RunOutput,
    ) -> Result<Self, EnsembleError> {
        let nd = run.days.len();
        let nl = ctx.locations;
        let np = run.days.first().map_or(0, |r| r.ports.len());
        let mut cells = Vec::with_capacity(
            nd * (nl * DAILY_VARIABLES.len() + np * PORT_VARIABLES.len() + TOTAL_VARIABLES.len()),
        );
        for rec in &run.days {
            let fields = [
                field(&rec.population, nl, member, "population length")?,
                field(&rec.on_links_toward, nl, member, "on_links_toward length")?,
                field(&rec.queue, nl, member, "queue length")?,
                field(&rec.sheltered, nl, member, "sheltered length")?,
                field(&rec.unsheltered, nl, member, "unsheltered length")?,
                field(&rec.arrived, nl, member, "arrived length")?,
                field(&rec.departed, nl, member, "departed length")?,
                field(&rec.admitted, nl, member, "admitted length")?,
                field(&rec.encountered, nl, member, "encountered length")?,
                field(&rec.intercepted, nl, member, "intercepted length")?,
            ];
            for loc in 0..nl {
                for f in &fields {
                    cells.push(f.map_or(0.0, |v| v[loc] as f32));
                }
            }
        }
        for rec in &run.days {
            if rec.ports.len() != np {
                return Err(EnsembleError::Shape {
                    member,
                    what: "number of port records",
                    got: rec.ports.len(),
                    expected: np,
                });
            }
            for p in &rec.ports {
                cells.extend_from_slice(&[
                    p.queue as f32,
                    p.admitted as f32,
                    p.by_appointment as f32,
                    p.walk_up as f32,
                    p.mean_wait_days as f32,
                    if p.open { 1.0 } else { 0.0 },
                ]);
            }
        }
        for rec in &run.days {
            let a = &rec.accounting;
            let in_camps: u64 = ctx
                .camps
                .iter()
                .map(|&c| rec.population.get(c).copied().unwrap_or(0))
                .sum();
            cells.extend_from_slice(&[
                a.spawned as f32,
                a.at_locations as f32,
                a.on_links as f32,
                a.in_queues as f32,
                a.in_transit as f32,
                a.admitted as f32,
                a.encountered as f32,
                a.removed as f32,
                rec.spawned_today as f32,
                rec.total_agents as f32,
                in_camps as f32,
                rec.debt as f32,
            ]);
        }
        if let Some(border) = &ctx.monthly {
            let rows = monthly(border, ctx.start_date, &run.days, 1);
            cells.extend(rows.into_iter().map(|r| r.encounters as f32));
        }
        let keys = key_numbers(scenario, run).map_err(|e| EnsembleError::Shape {
            member,
            what: e.field,
            got: e.got,
            expected: e.expected,
        })?;
        Ok(MemberResult {
            member,
            seed,
            days: run.days.iter().map(|r| r.day).collect(),
            ports: np,
            cells,
            ard: ctx.observations.as_ref().and_then(|o| o.ard(run)),
            key_numbers: Some(keys),
            warnings: run.warnings.clone(),
        })
    }

    /// Serialises for sending between MPI ranks (little-endian, self-checking).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(64 + 4 * self.cells.len() + 4 * self.days.len());
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&(self.member as u64).to_le_bytes());
        b.extend_from_slice(&self.seed.to_le_bytes());
        b.extend_from_slice(&(self.ports as u64).to_le_bytes());
        b.extend_from_slice(&(self.days.len() as u64).to_le_bytes());
        for d in &self.days {
            b.extend_from_slice(&d.to_le_bytes());
        }
        b.extend_from_slice(&(self.cells.len() as u64).to_le_bytes());
        for c in &self.cells {
            b.extend_from_slice(&c.to_le_bytes());
        }
        match self.ard {
            Some(a) => {
                b.push(1);
                b.extend_from_slice(&a.ard.to_le_bytes());
                b.extend_from_slice(&a.ard_rescaled.to_le_bytes());
            }
            None => b.push(0),
        }
        match &self.key_numbers {
            Some(k) => {
                b.push(1);
                encode_keys(&mut b, k);
            }
            None => b.push(0),
        }
        b.extend_from_slice(&(self.warnings.len() as u64).to_le_bytes());
        for w in &self.warnings {
            b.extend_from_slice(&(w.len() as u64).to_le_bytes());
            b.extend_from_slice(w.as_bytes());
        }
        b
    }

    /// Inverse of [`MemberResult::encode`]; the error text says what is wrong.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err("bad magic".into());
        }
        let member = r.u64()? as usize;
        let seed = r.u64()?;
        let ports = r.u64()? as usize;
        let nd = r.len(4)?;
        let days = (0..nd)
            .map(|_| r.take(4).map(|x| u32::from_le_bytes(x.try_into().unwrap())))
            .collect::<Result<_, _>>()?;
        let nc = r.len(4)?;
        let cells = (0..nc)
            .map(|_| r.take(4).map(|x| f32::from_le_bytes(x.try_into().unwrap())))
            .collect::<Result<_, _>>()?;
        let ard = match r.take(1)?[0] {
            0 => None,
            1 => Some(Ard {
                ard: f64::from_bits(r.u64()?),
                ard_rescaled: f64::from_bits(r.u64()?),
            }),
            x => return Err(format!("bad ARD flag {x}")),
        };
        let key_numbers = match r.take(1)?[0] {
            0 => None,
            1 => Some(decode_keys(&mut r)?),
            x => return Err(format!("bad key-numbers flag {x}")),
        };
        let nw = r.len(8)?;
        let mut warnings = Vec::with_capacity(nw);
        for _ in 0..nw {
            let l = r.len(1)?;
            let s = r.take(l)?;
            warnings.push(String::from_utf8(s.to_vec()).map_err(|e| e.to_string())?);
        }
        if r.at != bytes.len() {
            return Err(format!("{} trailing bytes", bytes.len() - r.at));
        }
        Ok(MemberResult {
            member,
            seed,
            days,
            ports,
            cells,
            ard,
            key_numbers,
            warnings,
        })
    }
}

/// Optional values: a flag byte (0 none, 1 some), then the value.
fn encode_keys(b: &mut Vec<u8>, k: &KeyNumbers) {
    for v in [k.peak_waiting_at_border, k.admitted, k.encountered] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    for v in [
        k.interception_events,
        k.people_intercepted,
        k.final_waiting_at_border,
    ] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    let date = k.peak_waiting_date.as_deref().unwrap_or("");
    b.push(u8::from(k.peak_waiting_date.is_some()));
    b.extend_from_slice(&(date.len() as u64).to_le_bytes());
    b.extend_from_slice(date.as_bytes());
    b.push(u8::from(k.mean_wait_days.is_some()));
    b.extend_from_slice(&k.mean_wait_days.unwrap_or(0.0).to_bits().to_le_bytes());
    b.push(u8::from(k.p90_wait_days.is_some()));
    b.extend_from_slice(&(k.p90_wait_days.unwrap_or(0) as u64).to_le_bytes());
}

fn decode_keys(r: &mut Reader) -> Result<KeyNumbers, String> {
    let mut six = [0u64; 6];
    for v in &mut six {
        *v = r.u64()?;
    }
    let flag = |r: &mut Reader| match r.take(1)?[0] {
        0 => Ok(false),
        1 => Ok(true),
        x => Err(format!("bad key-number flag {x}")),
    };
    let has_date = flag(r)?;
    let l = r.len(1)?;
    let date = String::from_utf8(r.take(l)?.to_vec()).map_err(|e| e.to_string())?;
    let has_wait = flag(r)?;
    let wait = f64::from_bits(r.u64()?);
    let has_p90 = flag(r)?;
    let p90 = u32::try_from(r.u64()?).map_err(|e| e.to_string())?;
    Ok(KeyNumbers {
        peak_waiting_at_border: six[0],
        peak_waiting_date: has_date.then_some(date),
        mean_wait_days: has_wait.then_some(wait),
        p90_wait_days: has_p90.then_some(p90),
        admitted: six[1],
        encountered: six[2],
        interception_events: six[3],
        people_intercepted: six[4],
        final_waiting_at_border: six[5],
    })
}

const MAGIC: &[u8; 8] = b"CRDMEM02";

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or_else(|| format!("truncated at byte {}", self.at))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    /// A count of items of `item` bytes each, checked against what is left.
    fn len(&mut self, item: usize) -> Result<usize, String> {
        let n = self.u64()?;
        if n.saturating_mul(item as u64) > (self.b.len() - self.at) as u64 {
            return Err(format!("count {n} exceeds the message"));
        }
        Ok(n as usize)
    }
}

/// One cell's samples: a single value while every member agreed so far.
#[derive(Debug, Clone)]
enum Cell {
    Constant(f32),
    Samples(Vec<f32>),
}

/// Labels of the ensemble outputs, taken from the scenario.
#[derive(Debug, Clone)]
pub(crate) struct Labels {
    pub scenario: String,
    pub start_date: Date,
    pub hasten: u32,
    pub locations: Vec<String>,
    pub kinds: Vec<LocationKind>,
    /// Port names in `Border::ports` order (the order of `DayRecord::ports`).
    pub ports: Vec<String>,
    /// Row keys of the monthly cells, (month, component, area), for `days` days.
    pub monthly: Option<Vec<(String, &'static str, String)>>,
}

impl Labels {
    pub fn new(scenario: &Scenario, days: u32) -> Self {
        // The monthly keys depend only on the border and the calendar: every area
        // appears every month. Empty records give them without running anything.
        let monthly = monthly_border(scenario).map(|border| {
            let empty: Vec<DayRecord> = (0..days)
                .map(|day| DayRecord {
                    day,
                    ..DayRecord::default()
                })
                .collect();
            monthly(&border, scenario.start_date, &empty, 1)
                .into_iter()
                .map(|r| (r.month, r.component, r.area_of_responsibility))
                .collect()
        });
        Labels {
            scenario: scenario.name.clone(),
            start_date: scenario.start_date,
            hasten: scenario.settings.optimisations.hasten,
            locations: scenario.locations.iter().map(|l| l.name.clone()).collect(),
            kinds: scenario.locations.iter().map(|l| l.kind).collect(),
            ports: scenario
                .border
                .ports
                .iter()
                .map(|p| p.name.clone())
                .collect(),
            monthly,
        }
    }
}

/// Receives members in member order and keeps per-cell samples.
pub(crate) struct Accumulator {
    labels: Labels,
    locations: usize,
    members: Vec<MemberSummary>,
    /// Day numbers and port count of member 0, the shape every member must have.
    days: Vec<u32>,
    ports: usize,
    cells: Vec<Cell>,
    /// Each member's key numbers, in member order (empty once a member lacks them).
    keys: Vec<KeyNumbers>,
    keys_complete: bool,
    warnings: Vec<String>,
}

/// One member's identity and scalar metrics, in member order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MemberSummary {
    pub member: usize,
    pub seed: u64,
    pub ard: Option<f64>,
    pub ard_rescaled: Option<f64>,
}

impl Accumulator {
    pub fn new(labels: Labels) -> Self {
        let locations = labels.locations.len();
        Accumulator {
            labels,
            locations,
            members: Vec::new(),
            days: Vec::new(),
            ports: 0,
            cells: Vec::new(),
            keys: Vec::new(),
            keys_complete: true,
            warnings: Vec::new(),
        }
    }

    /// Adds the next member; members must arrive as 0, 1, 2, ...
    pub fn push(&mut self, m: MemberResult) -> Result<(), EnsembleError> {
        let n = self.members.len();
        debug_assert_eq!(m.member, n, "members must arrive in order");
        if n == 0 {
            self.days = m.days.clone();
            self.ports = m.ports;
            self.cells = m.cells.iter().map(|&v| Cell::Constant(v)).collect();
        } else {
            let shape = |what, got, expected| EnsembleError::Shape {
                member: m.member,
                what,
                got,
                expected,
            };
            if m.days != self.days {
                return Err(shape("number of days", m.days.len(), self.days.len()));
            }
            if m.ports != self.ports {
                return Err(shape("number of ports", m.ports, self.ports));
            }
            if m.cells.len() != self.cells.len() {
                return Err(shape("number of cells", m.cells.len(), self.cells.len()));
            }
            for (cell, &v) in self.cells.iter_mut().zip(&m.cells) {
                match cell {
                    Cell::Constant(c) if c.to_bits() == v.to_bits() => {}
                    Cell::Constant(c) => {
                        let mut s = Vec::with_capacity(n + 1);
                        s.resize(n, *c);
                        s.push(v);
                        *cell = Cell::Samples(s);
                    }
                    Cell::Samples(s) => s.push(v),
                }
            }
        }
        match m.key_numbers {
            Some(k) if self.keys_complete => self.keys.push(k),
            _ => {
                self.keys_complete = false;
                self.keys.clear();
            }
        }
        for w in m.warnings {
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
        self.members.push(MemberSummary {
            member: m.member,
            seed: m.seed,
            ard: m.ard.map(|a| a.ard),
            ard_rescaled: m.ard.map(|a| a.ard_rescaled),
        });
        Ok(())
    }

    /// Reduces every cell (in parallel over cells; each cell's result depends
    /// only on its own samples).
    pub fn finish(self, seed: u64, engine: &'static str) -> Result<Ensemble, EnsembleError> {
        let n = self.members.len();
        let port_names = if self.ports == 0 {
            Vec::new()
        } else if self.labels.ports.len() == self.ports {
            self.labels.ports.clone()
        } else {
            return Err(EnsembleError::PortNames {
                records: self.ports,
                named: self.labels.ports.len(),
            });
        };
        let stats: Vec<Stats> = self
            .cells
            .par_iter()
            .map_init(Vec::new, |scratch, cell| match cell {
                Cell::Constant(v) => Stats::constant(*v as f64, n),
                Cell::Samples(s) => summarize_f32(s, scratch),
            })
            .collect();
        let nd = self.days.len();
        let daily_len = nd * self.locations * DAILY_VARIABLES.len();
        let ports_len = nd * self.ports * PORT_VARIABLES.len();
        let totals_len = nd * TOTAL_VARIABLES.len();
        // The totals' values member by member, for paired differences
        // (a constant cell: every member had that value).
        let mut member_totals = Vec::with_capacity(totals_len * n);
        for cell in &self.cells[daily_len + ports_len..][..totals_len] {
            match cell {
                Cell::Constant(v) => member_totals.extend(std::iter::repeat(*v).take(n)),
                Cell::Samples(s) => member_totals.extend_from_slice(s),
            }
        }
        let mut it = stats.into_iter();
        let daily: Vec<Stats> = it.by_ref().take(daily_len).collect();
        let ports: Vec<Stats> = it.by_ref().take(ports_len).collect();
        let totals: Vec<Stats> = it.by_ref().take(totals_len).collect();
        let rest: Vec<Stats> = it.collect();
        let monthly = match self.labels.monthly {
            None => None,
            Some(keys) if keys.len() == rest.len() => Some(MonthlyStats { keys, stats: rest }),
            Some(keys) => {
                return Err(EnsembleError::Shape {
                    member: 0,
                    what: "number of monthly rows",
                    got: rest.len(),
                    expected: keys.len(),
                })
            }
        };
        let scalar = |f: fn(&MemberSummary) -> Option<f64>| {
            let values: Option<Vec<f64>> = self.members.iter().map(f).collect();
            values.filter(|v| !v.is_empty()).map(|values| ScalarStats {
                stats: crate::stats::summarize(&values),
                values,
            })
        };
        let ard = scalar(|m| m.ard);
        let ard_rescaled = scalar(|m| m.ard_rescaled);
        Ok(Ensemble {
            runs: n,
            seed,
            engine,
            scenario: self.labels.scenario,
            start_date: self.labels.start_date,
            hasten: self.labels.hasten,
            days: self.days,
            locations: self.labels.locations,
            kinds: self.labels.kinds,
            ports: port_names,
            daily,
            port_stats: ports,
            totals,
            member_totals,
            monthly,
            ard,
            ard_rescaled,
            members: self.members,
            key_numbers: self.keys,
            warnings: self.warnings,
        })
    }
}

/// Statistics of a per-member scalar, with the values in member order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScalarStats {
    #[serde(flatten)]
    pub stats: Stats,
    pub values: Vec<f64>,
}

/// Monthly rows in `monthly.csv` order: `keys[i]` = (month, component, area) of `stats[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyStats {
    pub keys: Vec<(String, &'static str, String)>,
    pub stats: Vec<Stats>,
}

/// A reduced ensemble: everything the writers and the report need.
#[derive(Debug, Clone, PartialEq)]
pub struct Ensemble {
    pub runs: usize,
    pub seed: u64,
    /// `agents` or `counts`.
    pub engine: &'static str,
    pub scenario: String,
    pub start_date: Date,
    pub hasten: u32,
    /// Recorded day numbers.
    pub days: Vec<u32>,
    pub locations: Vec<String>,
    pub kinds: Vec<LocationKind>,
    /// Port names, in the order of `DayRecord::ports`.
    pub ports: Vec<String>,
    /// `[day][location][DAILY_VARIABLES]`.
    pub daily: Vec<Stats>,
    /// `[day][port][PORT_VARIABLES]`.
    pub port_stats: Vec<Stats>,
    /// `[day][TOTAL_VARIABLES]`.
    pub totals: Vec<Stats>,
    /// The values behind `totals`, member by member: `[day][TOTAL_VARIABLES][member]`
    /// (read them with [`Ensemble::member_totals`]). Two ensembles of one seed have
    /// the same member seeds, so member `i` of each is a pair (paired differences).
    pub member_totals: Vec<f32>,
    pub monthly: Option<MonthlyStats>,
    /// `None` when the scenario has no camp data.
    pub ard: Option<ScalarStats>,
    pub ard_rescaled: Option<ScalarStats>,
    pub members: Vec<MemberSummary>,
    /// Each member's key numbers (people), in member order; empty when a member
    /// came without them.
    pub key_numbers: Vec<KeyNumbers>,
    /// Distinct warnings of all members, in order of first appearance.
    pub warnings: Vec<String>,
}

impl Ensemble {
    /// Statistics of `DAILY_VARIABLES[var]` at location `loc` on the `day_index`-th recorded day.
    pub fn daily(&self, day_index: usize, loc: usize, var: usize) -> &Stats {
        &self.daily[(day_index * self.locations.len() + loc) * DAILY_VARIABLES.len() + var]
    }

    /// Statistics of `PORT_VARIABLES[var]` at port `port` on the `day_index`-th recorded day.
    pub fn port(&self, day_index: usize, port: usize, var: usize) -> &Stats {
        &self.port_stats[(day_index * self.ports.len() + port) * PORT_VARIABLES.len() + var]
    }

    /// Statistics of `TOTAL_VARIABLES[var]` on the `day_index`-th recorded day.
    pub fn total(&self, day_index: usize, var: usize) -> &Stats {
        &self.totals[day_index * TOTAL_VARIABLES.len() + var]
    }

    /// `TOTAL_VARIABLES[var]` on the `day_index`-th recorded day, one value per
    /// member in member order (agents, as the totals' statistics).
    pub fn member_totals(&self, day_index: usize, var: usize) -> &[f32] {
        let start = (day_index * TOTAL_VARIABLES.len() + var) * self.runs;
        &self.member_totals[start..start + self.runs]
    }

    /// Index of a variable name in one of the variable lists.
    pub fn variable_index(list: &[&str], name: &str) -> Option<usize> {
        list.iter().position(|v| *v == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> MemberResult {
        MemberResult {
            member: 17,
            seed: u64::MAX - 3,
            days: vec![0, 1, 2],
            ports: 2,
            cells: vec![0.0, 1.5, -2.25, f32::MAX, 16_777_216.0],
            ard: Some(Ard {
                ard: 0.3941,
                ard_rescaled: f64::NAN,
            }),
            key_numbers: Some(KeyNumbers {
                peak_waiting_at_border: 12_345,
                peak_waiting_date: Some("2023-12-24".into()),
                mean_wait_days: Some(3.25),
                p90_wait_days: Some(14),
                admitted: 7,
                encountered: u64::MAX,
                interception_events: 9,
                people_intercepted: 8,
                final_waiting_at_border: 0,
            }),
            warnings: vec!["ünïcode warning".into(), String::new()],
        }
    }

    #[test]
    fn encode_decode_round_trip() {
        let m = sample();
        let d = MemberResult::decode(&m.encode()).unwrap();
        // NaN != NaN, so compare the bits of the ARD pair separately.
        let bits = |r: &MemberResult| r.ard.map(|a| (a.ard.to_bits(), a.ard_rescaled.to_bits()));
        assert_eq!(bits(&d), bits(&m));
        let strip = |mut r: MemberResult| {
            r.ard = None;
            r
        };
        assert_eq!(strip(d), strip(m.clone()));
        let mut no_wait = m.clone();
        if let Some(k) = &mut no_wait.key_numbers {
            (k.peak_waiting_date, k.mean_wait_days, k.p90_wait_days) = (None, None, None);
        }
        let d = MemberResult::decode(&no_wait.encode()).unwrap();
        assert_eq!(d.key_numbers, no_wait.key_numbers);
        let none = MemberResult {
            ard: None,
            key_numbers: None,
            warnings: vec![],
            ..m
        };
        assert_eq!(MemberResult::decode(&none.encode()).unwrap(), none);
    }

    #[test]
    fn decode_rejects_damaged_messages() {
        let bytes = sample().encode();
        assert!(MemberResult::decode(&bytes[..bytes.len() - 1])
            .unwrap_err()
            .contains("truncated"));
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(MemberResult::decode(&extra)
            .unwrap_err()
            .contains("trailing"));
        let mut magic = bytes.clone();
        magic[0] = b'X';
        assert_eq!(MemberResult::decode(&magic).unwrap_err(), "bad magic");
        // A huge cell count must not allocate: it is checked against the message size.
        let mut huge = bytes;
        let at = 8 + 8 * 4 + 4 * 3; // magic, member, seed, ports, day count, 3 days
        huge[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(MemberResult::decode(&huge).unwrap_err().contains("exceeds"));
    }
}
