//! One answer of the page: the ensemble of the levers and its baseline, both run
//! by the library API (`corridor::ensemble` on the count engine, directories
//! written exactly as the CLI writes them), reduced to what the page draws.
//!
//! Units: people (agents × hasten). Differences are paired, as in `corridor
//! compare` (`corridor::compare::Difference`, the one definition): member `i`
//! of the levers' ensemble and member `i` of the baseline's have the same seed
//! and, before the levers' first change, the same history, so the differences
//! member by member hold the levers' effect without the spread the two
//! ensembles share. A difference's band is the 5–95 % band of those
//! differences, and on a day (or for a total) the change is "within noise"
//! when that band contains 0 (for a single member: when the difference is 0).
//!
//! A first look is reduced the same way from the first `members` members of
//! both ensembles (the `members`-member ensembles of the same seed);
//! `requested_members` says how many the full answer has.
//!
//! Observed monthly counts (CBP encounters, people) are the scenario's own
//! (`corridor_model::MonthlyObserved`, read by the library); a month row has
//! one where both its month and its area are in them, else none (not zero).

use corridor::compare::Difference;
use corridor::Input;
use corridor_ensemble::{Ensemble, Stats, DAILY_VARIABLES, PORT_VARIABLES, TOTAL_VARIABLES};
use corridor_model::{MonthlyObserved, Scenario};
use corridor_report::{draw_map, MapLink, MapNode, MapSpec, Role};
use serde::Serialize;
use std::path::Path;

/// A band over days: p5, p50, p95 per recorded day (people).
#[derive(Debug, Serialize, Clone, Default)]
pub struct Band {
    pub p5: Vec<f64>,
    pub p50: Vec<f64>,
    pub p95: Vec<f64>,
}

impl Band {
    fn push(&mut self, s: &Stats, h: f64) {
        self.p5.push(s.p5 * h);
        self.p50.push(s.p50 * h);
        self.p95.push(s.p95 * h);
    }

    /// A day's paired difference (already in people).
    fn push_difference(&mut self, d: &Difference) {
        self.p5.push(d.p5);
        self.p50.push(d.p50);
        self.p95.push(d.p95);
    }
}

/// A total with its band (people) and the difference from the baseline: the
/// median and 5–95 % band of the paired differences (see the module doc).
#[derive(Debug, Serialize, Clone)]
pub struct Total {
    pub name: String,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    pub baseline_p50: f64,
    pub diff_p5: f64,
    pub diff_p50: f64,
    pub diff_p95: f64,
    pub within_noise: bool,
}

#[derive(Debug, Serialize, Clone)]
pub struct MonthRow {
    pub month: String,
    pub component: String,
    pub area: String,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    pub baseline_p50: f64,
    /// Observed (people), where the scenario ships observations for this
    /// month and area.
    pub observed: Option<f64>,
}

#[derive(Debug, Serialize, Clone)]
pub struct PortRow {
    pub port: String,
    /// Median over members of the mean wait on the last day (days).
    pub wait_days_p50: f64,
    pub baseline_wait_days_p50: f64,
    pub queue_p50: f64,
}

#[derive(Debug, Serialize, Clone)]
pub struct MapData {
    pub svg: String,
    /// Per frame: the date and the median people of each drawn node, in the
    /// order of the SVG's `g.node` elements.
    pub dates: Vec<String>,
    pub frames: Vec<Vec<f64>>,
    pub peak: f64,
}

#[derive(Debug, Serialize, Clone)]
pub struct Answer {
    /// Members of this answer: fewer than `requested_members` for a first look.
    pub members: usize,
    /// Members the settings ask for (the full answer's).
    pub requested_members: usize,
    pub seed: u64,
    pub dates: Vec<String>,
    /// People in port queues.
    pub waiting: Band,
    pub baseline_waiting: Band,
    /// People in port queues, levers minus baseline: the band of the paired
    /// differences (see the module doc).
    pub waiting_difference: Band,
    /// People admitted and encountered so far (cumulative), levers minus
    /// baseline, paired likewise.
    pub admitted_difference: Band,
    pub encountered_difference: Band,
    /// Per day: is the change in people waiting within noise (the band of
    /// the paired differences contains 0)?
    pub waiting_within_noise: Vec<bool>,
    pub totals: Vec<Total>,
    pub monthly: Vec<MonthRow>,
    pub ports: Vec<PortRow>,
    pub map: MapData,
    /// The variant file of these levers.
    pub variant_toml: String,
    pub warnings: Vec<String>,
}

fn var(list: &[&str], name: &str) -> usize {
    Ensemble::variable_index(list, name).unwrap_or(0)
}

/// The paired differences (people) of `TOTAL_VARIABLES[v]` on the `d`-th
/// recorded day: levers' member `i` minus baseline member `i`.
fn paired(ens: &Ensemble, base: &Ensemble, d: usize, v: usize, h: f64) -> Difference {
    let pairs: Vec<(f64, f64)> = ens
        .member_totals(d, v)
        .iter()
        .zip(base.member_totals(d, v))
        .map(|(&a, &b)| (a as f64 * h, b as f64 * h))
        .collect();
    // An ensemble has at least one member, so there is a pair.
    Difference::of(&pairs).unwrap_or(Difference {
        mean: 0.0,
        p5: 0.0,
        p50: 0.0,
        p95: 0.0,
        within_noise: None,
    })
}

/// Within noise: the band contains 0 (one member: no difference).
fn within_noise(d: &Difference) -> bool {
    d.within_noise.unwrap_or(d.p50 == 0.0)
}

fn total(name: &str, ens: &Ensemble, base: &Ensemble, day: usize, h: f64) -> Total {
    let v = var(&TOTAL_VARIABLES, name);
    let (s, b) = (ens.total(day, v), base.total(day, v));
    let d = paired(ens, base, day, v, h);
    Total {
        name: name.to_string(),
        p5: s.p5 * h,
        p50: s.p50 * h,
        p95: s.p95 * h,
        baseline_p50: b.p50 * h,
        diff_p5: d.p5,
        diff_p50: d.p50,
        diff_p95: d.p95,
        within_noise: within_noise(&d),
    }
}

/// Most map frames sent (evenly spread, last day included).
const MAX_FRAMES: usize = 60;

fn map(scenario: &Scenario, ens: &Ensemble, h: f64) -> MapData {
    let b = &scenario.border;
    let pop = var(&DAILY_VARIABLES, "population");
    let queue = var(&DAILY_VARIABLES, "queue");
    let n = scenario.locations.len();
    let nd = ens.days.len();
    let value = |di: usize, l: usize| (ens.daily(di, l, pop).p50 + ens.daily(di, l, queue).p50) * h;
    let peak_of = |l: usize| (0..nd).map(|d| value(d, l)).fold(0.0, f64::max);
    let last = nd.saturating_sub(1);
    let nodes: Vec<MapNode> = scenario
        .locations
        .iter()
        .enumerate()
        .map(|(i, l)| MapNode {
            name: l.name.clone(),
            lat: l.lat,
            lon: l.lon,
            role: Role::of(
                l.kind.as_str(),
                b.port_at(i).is_some(),
                b.ports.iter().any(|p| p.border_city == i),
            ),
            value: if nd > 0 { value(last, i) } else { 0.0 },
            peak: peak_of(i),
            detail: l.kind.as_str().to_string(),
        })
        .collect();
    let links: Vec<MapLink> = scenario
        .links
        .iter()
        .filter(|k| k.from < n && k.to < n)
        .map(|k| MapLink {
            from: k.from,
            to: k.to,
            title: format!(
                "{} – {}",
                scenario.locations[k.from].name, scenario.locations[k.to].name
            ),
        })
        .collect();
    let drawn = draw_map(&MapSpec {
        nodes: &nodes,
        links: &links,
        value_label: "people (median)".into(),
    });
    let step = nd.div_ceil(MAX_FRAMES).max(1);
    let mut idx: Vec<usize> = (0..nd).step_by(step).collect();
    if nd > 0 && idx.last() != Some(&last) {
        idx.push(last);
    }
    MapData {
        svg: drawn.svg,
        dates: idx
            .iter()
            .map(|&d| ens.start_date.add_days(ens.days[d] as i64).to_string())
            .collect(),
        frames: idx
            .iter()
            .map(|&d| drawn.order.iter().map(|&l| value(d, l)).collect())
            .collect(),
        peak: nodes.iter().map(|n| n.peak).fold(0.0, f64::max),
    }
}

/// Reduces the levers' ensemble and the baseline's to an answer.
pub fn reduce(
    input: &Input,
    scenario: &Scenario,
    ens: &Ensemble,
    base: &Ensemble,
    observed: Option<&MonthlyObserved>,
    variant_toml: String,
) -> Answer {
    let h = ens.hasten.max(1) as f64;
    let q = var(&TOTAL_VARIABLES, "in_queues");
    let mut waiting = Band::default();
    let mut baseline_waiting = Band::default();
    let mut waiting_difference = Band::default();
    let mut noise = Vec::new();
    let days = ens.days.len().min(base.days.len());
    for d in 0..days {
        waiting.push(ens.total(d, q), h);
        baseline_waiting.push(base.total(d, q), h);
        let diff = paired(ens, base, d, q, h);
        waiting_difference.push_difference(&diff);
        noise.push(within_noise(&diff));
    }
    let difference = |name: &str| {
        let v = var(&TOTAL_VARIABLES, name);
        let mut b = Band::default();
        for d in 0..days {
            b.push_difference(&paired(ens, base, d, v, h));
        }
        b
    };
    let last = days.saturating_sub(1);
    let totals = if days == 0 {
        Vec::new()
    } else {
        ["admitted", "encountered", "in_queues", "in_transit"]
            .iter()
            .map(|name| total(name, ens, base, last, h))
            .collect()
    };
    let monthly = match (&ens.monthly, &base.monthly) {
        (Some(m), Some(bm)) => m
            .keys
            .iter()
            .zip(&m.stats)
            .map(|((month, component, area), s)| {
                let b = bm
                    .keys
                    .iter()
                    .position(|k| &k.0 == month && k.1 == *component && &k.2 == area)
                    .map_or(f64::NAN, |i| bm.stats[i].p50 * h);
                MonthRow {
                    month: month.clone(),
                    component: component.to_string(),
                    area: area.clone(),
                    p5: s.p5 * h,
                    p50: s.p50 * h,
                    p95: s.p95 * h,
                    baseline_p50: b,
                    observed: observed.and_then(|o| o.get(month, component, area)),
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let wait = var(&PORT_VARIABLES, "mean_wait_days");
    let pq = var(&PORT_VARIABLES, "queue");
    let ports = if days == 0 {
        Vec::new()
    } else {
        ens.ports
            .iter()
            .enumerate()
            .map(|(p, name)| PortRow {
                port: name.clone(),
                wait_days_p50: ens.port(last, p, wait).p50,
                baseline_wait_days_p50: base.port(last, p, wait).p50,
                queue_p50: ens.port(last, p, pq).p50 * h,
            })
            .collect()
    };
    let mut warnings = input.warnings.clone();
    warnings.extend(ens.warnings.iter().cloned());
    Answer {
        members: ens.runs,
        requested_members: ens.runs,
        seed: ens.seed,
        dates: ens.days[..days]
            .iter()
            .map(|&d| ens.start_date.add_days(d as i64).to_string())
            .collect(),
        waiting,
        baseline_waiting,
        waiting_difference,
        admitted_difference: difference("admitted"),
        encountered_difference: difference("encountered"),
        waiting_within_noise: noise,
        totals,
        monthly,
        ports,
        map: map(scenario, ens, h),
        variant_toml,
        warnings,
    }
}

/// The ensemble directory's name inside a download.
pub fn folder_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ensemble".into())
}
