//! Demographic attributes of agents and the attribute classes of route weights.
//!
//! Each new agent draws one value per `Demographic` (per-location weights of its
//! start location if present, else the default weights), from the stream
//! (seed, Demographics, day, agent id). Values are packed as indices into a `u32`.
//!
//! Only the demographic rules of docs/flee-rules.md §2.5 make route weights depend on the
//! agent, and only through a few features, so agents are grouped into *classes*
//! that share one weight table per location:
//! * hazard state: 0, 1 or 2 squarings of the location score (ChildrenAvoidHazards
//!   for age < 19, ElderlyAvoidHazards for age > 59, WomenAvoidHazards for women),
//!   or "boy" (BoysTakeRisk, male > 14: score set to 1);
//! * ethnicity value (MatchCampEthnicity / MatchTownEthnicity / MatchConflictEthnicity);
//! * religion value (MatchCampReligion).
//!
//! A rule whose data are missing has no effect: no `age`/`gender` demographic for
//! the hazard rules; no `ethnicity`/`religion` demographic, or a location without
//! numeric attribute columns named after every value, for the matching rules. The
//! share of value `v` at a location is `attr[v] / Σ_values attr[value]` (equal to
//! Flee's `attr[v] / population` when the columns sum to the population, and
//! defined for camps, whose population column is a capacity).

use crate::rng::Stream;
use crate::scenario::{Demographic, Scenario};
use crate::settings::Settings;

/// Hazard states (class component).
const HAZARD_BOY: usize = 3;

#[derive(Debug, Clone)]
pub(crate) struct Demography {
    demos: Vec<DemoCol>,
    /// Number of classes (≥ 1).
    pub n_class: usize,
    hazard_on: bool,
    age: Option<usize>,
    gender: Option<usize>,
    eth: Option<usize>,
    rel: Option<usize>,
    n_eth: usize,
    n_rel: usize,
    /// Per ethnicity value × location: share (None = no data).
    eth_share: Vec<Option<f64>>,
    rel_share: Vec<Option<f64>>,
    n_loc: usize,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
struct DemoCol {
    /// Index in the scenario's demographics.
    src: usize,
    /// Cumulative default weights.
    default_cum: Vec<f64>,
    /// Per location: index into `per_location_cum`.
    loc_index: Vec<Option<u32>>,
    per_location_cum: Vec<Vec<f64>>,
    shift: u32,
    /// Numeric age of each value, or gender code (1 female, 2 male), by value.
    age_of: Vec<Option<f64>>,
    gender_of: Vec<u8>,
}

fn cumulative(w: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    w.iter()
        .map(|x| {
            acc += if x.is_finite() && *x > 0.0 { *x } else { 0.0 };
            acc
        })
        .collect()
}

fn draw(cum: &[f64], rng: &mut Stream) -> usize {
    let Some(&total) = cum.last() else { return 0 };
    if total.is_nan() || total <= 0.0 {
        return rng.below(cum.len() as u64) as usize;
    }
    let u = rng.next_f64() * total;
    let i = cum.partition_point(|&c| c <= u);
    i.min(cum.len() - 1)
}

fn parse_age(v: &str) -> Option<f64> {
    let t = v.trim();
    // Accept "34" and ranges such as "18-59" (their lower bound).
    let head: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    head.parse::<f64>().ok()
}

fn gender_code(v: &str) -> u8 {
    let t = v.trim().to_ascii_lowercase();
    if t.starts_with('f') || t == "w" || t.starts_with("wom") {
        1
    } else if t.starts_with('m') {
        2
    } else {
        0
    }
}

fn shares(sc: &Scenario, d: &Demographic) -> Vec<Option<f64>> {
    // [value][location]
    let n_loc = sc.locations.len();
    let mut out = vec![None; d.values.len() * n_loc];
    for (li, l) in sc.locations.iter().enumerate() {
        let vals: Option<Vec<f64>> = d
            .values
            .iter()
            .map(|v| {
                l.attributes
                    .get(v)
                    .and_then(|x| x.trim().parse::<f64>().ok())
                    .filter(|x| x.is_finite() && *x >= 0.0)
            })
            .collect();
        if let Some(vals) = vals {
            let sum: f64 = vals.iter().sum();
            if sum > 0.0 {
                for (vi, x) in vals.iter().enumerate() {
                    out[vi * n_loc + li] = Some(x / sum);
                }
            }
        }
    }
    out
}

impl Demography {
    pub(crate) fn new(sc: &Scenario, s: &Settings) -> Demography {
        let m = &s.move_rules;
        let n_loc = sc.locations.len();
        let mut warnings = Vec::new();
        let mut demos = Vec::new();
        let mut shift = 0u32;
        for (k, d) in sc.demographics.iter().enumerate() {
            let n = d.values.len().max(1);
            let bits = usize::BITS - (n - 1).leading_zeros();
            if shift + bits > 32 || demos.len() >= 32 {
                warnings.push(format!(
                    "demographic '{}' not stored: the attributes of an agent exceed 32 bits",
                    d.attribute
                ));
                continue;
            }
            let mut loc_index = vec![None; n_loc];
            let mut per_location_cum = Vec::new();
            for (l, w) in &d.per_location {
                if *l < n_loc && w.len() == d.values.len() {
                    loc_index[*l] = Some(per_location_cum.len() as u32);
                    per_location_cum.push(cumulative(w));
                }
            }
            demos.push(DemoCol {
                src: k,
                default_cum: cumulative(&d.default_weights),
                loc_index,
                per_location_cum,
                shift,
                age_of: d.values.iter().map(|v| parse_age(v)).collect(),
                gender_of: d.values.iter().map(|v| gender_code(v)).collect(),
            });
            shift += bits;
        }
        let find = |name: &str| {
            demos
                .iter()
                .position(|c| sc.demographics[c.src].attribute.eq_ignore_ascii_case(name))
        };
        let age = find("age");
        let gender = find("gender").or_else(|| find("sex"));
        let hazard_wanted = m.children_avoid_hazards
            || m.elderly_avoid_hazards
            || m.women_avoid_hazards
            || m.boys_take_risk;
        if (m.children_avoid_hazards || m.elderly_avoid_hazards) && age.is_none() {
            warnings
                .push("Children/ElderlyAvoidHazards have no effect: no 'age' demographic".into());
        }
        if (m.women_avoid_hazards || m.boys_take_risk) && gender.is_none() {
            warnings.push(
                "WomenAvoidHazards/BoysTakeRisk have no effect: no 'gender' demographic".into(),
            );
        }
        let hazard_on = hazard_wanted && (age.is_some() || gender.is_some());
        let eth_wanted =
            m.match_camp_ethnicity || m.match_town_ethnicity || m.match_conflict_ethnicity;
        let mut eth = if eth_wanted { find("ethnicity") } else { None };
        let mut rel = if m.match_camp_religion {
            find("religion")
        } else {
            None
        };
        if eth_wanted && eth.is_none() {
            warnings
                .push("Match*Ethnicity rules have no effect: no 'ethnicity' demographic".into());
        }
        if m.match_camp_religion && rel.is_none() {
            warnings.push("MatchCampReligion has no effect: no 'religion' demographic".into());
        }
        let n_hazard = if hazard_on { 4 } else { 1 };
        let mut n_eth = eth
            .map(|i| sc.demographics[demos[i].src].values.len().max(1))
            .unwrap_or(1);
        let mut n_rel = rel
            .map(|i| sc.demographics[demos[i].src].values.len().max(1))
            .unwrap_or(1);
        if n_hazard * n_eth * n_rel > u16::MAX as usize {
            warnings.push("too many attribute classes: MatchCampReligion ignored".into());
            rel = None;
            n_rel = 1;
            if n_hazard * n_eth > u16::MAX as usize {
                warnings.push("too many attribute classes: Match*Ethnicity ignored".into());
                eth = None;
                n_eth = 1;
            }
        }
        let eth_share = eth
            .map(|i| shares(sc, &sc.demographics[demos[i].src]))
            .unwrap_or_default();
        let rel_share = rel
            .map(|i| shares(sc, &sc.demographics[demos[i].src]))
            .unwrap_or_default();
        Demography {
            n_class: n_hazard * n_eth * n_rel,
            demos,
            hazard_on,
            age,
            gender,
            eth,
            rel,
            n_eth,
            n_rel,
            eth_share,
            rel_share,
            n_loc,
            warnings,
        }
    }

    /// True when the scenario has no demographics (agents get no attributes).
    pub(crate) fn is_empty(&self) -> bool {
        self.demos.is_empty()
    }

    /// Draws the attributes of a new agent at `loc`; returns (packed values, class).
    pub(crate) fn draw(&self, loc: usize, rng: &mut Stream, s: &Settings) -> (u32, u16) {
        if self.demos.is_empty() {
            return (0, 0);
        }
        let mut packed = 0u32;
        let mut idx = [0usize; 32];
        for (k, c) in self.demos.iter().enumerate() {
            let cum = match c.loc_index[loc] {
                Some(j) => &c.per_location_cum[j as usize],
                None => &c.default_cum,
            };
            let v = draw(cum, rng);
            idx[k.min(31)] = v;
            packed |= (v as u32) << c.shift;
        }
        (packed, self.class_of(&idx, s))
    }

    /// The distribution of the attribute class of a person created at `loc`:
    /// `out[class]` = probability that [`Demography::draw`] returns that class.
    /// Only the demographics that define classes (age, gender, ethnicity,
    /// religion) are enumerated; values are drawn independently, as in `draw`.
    pub(crate) fn class_probabilities(&self, loc: usize, s: &Settings) -> Vec<f64> {
        let mut out = vec![0.0; self.n_class];
        if self.n_class == 1 {
            out[0] = 1.0;
            return out;
        }
        let mut cols: Vec<usize> = [self.age, self.gender, self.eth, self.rel]
            .into_iter()
            .flatten()
            .collect();
        cols.sort_unstable();
        cols.dedup();
        // Per column: the probability of each value at `loc`.
        let probs: Vec<Vec<f64>> = cols
            .iter()
            .map(|&k| {
                let c = &self.demos[k];
                let cum = match c.loc_index[loc] {
                    Some(j) => &c.per_location_cum[j as usize],
                    None => &c.default_cum,
                };
                let total = cum.last().copied().unwrap_or(0.0);
                if cum.is_empty() {
                    vec![1.0]
                } else if total.is_nan() || total <= 0.0 {
                    vec![1.0 / cum.len() as f64; cum.len()]
                } else {
                    let mut prev = 0.0;
                    cum.iter()
                        .map(|&x| {
                            let p = (x - prev) / total;
                            prev = x;
                            p
                        })
                        .collect()
                }
            })
            .collect();
        let mut pos = vec![0usize; cols.len()];
        let mut idx = [0usize; 32];
        loop {
            let mut p = 1.0;
            for (j, &k) in cols.iter().enumerate() {
                idx[k.min(31)] = pos[j];
                p *= probs[j][pos[j]];
            }
            if p > 0.0 {
                out[self.class_of(&idx, s) as usize] += p;
            }
            // Next combination (odometer).
            let mut j = 0;
            loop {
                if j == cols.len() {
                    return out;
                }
                pos[j] += 1;
                if pos[j] < probs[j].len() {
                    break;
                }
                pos[j] = 0;
                j += 1;
            }
        }
    }

    fn class_of(&self, idx: &[usize; 32], s: &Settings) -> u16 {
        let m = &s.move_rules;
        let mut hazard = 0usize;
        if self.hazard_on {
            let age = self.age.and_then(|k| self.demos[k].age_of[idx[k]]);
            let g = self
                .gender
                .map(|k| self.demos[k].gender_of[idx[k]])
                .unwrap_or(0);
            if let Some(a) = age {
                if m.children_avoid_hazards && a < 19.0 {
                    hazard += 1;
                }
                if m.elderly_avoid_hazards && a > 59.0 {
                    hazard += 1;
                }
            }
            if m.women_avoid_hazards && g == 1 {
                hazard += 1;
            }
            hazard = hazard.min(2);
            if m.boys_take_risk && g == 2 && age.is_some_and(|a| a > 14.0) {
                hazard = HAZARD_BOY;
            }
        }
        let e = self.eth.map(|k| idx[k]).unwrap_or(0).min(self.n_eth - 1);
        let r = self.rel.map(|k| idx[k]).unwrap_or(0).min(self.n_rel - 1);
        ((hazard * self.n_eth + e) * self.n_rel + r) as u16
    }

    /// End-point scores `E(class, x)` without the per-route `stay_close_to_home`
    /// factor, for every class and location: `out[class * n_loc + x]`.
    pub(crate) fn end_scores(
        &self,
        score: &[f64],
        camp: &[bool],
        conflict: &[f64],
        pop: &[u64],
        s: &Settings,
        out: &mut Vec<f64>,
    ) {
        let m = &s.move_rules;
        let n = self.n_loc;
        out.clear();
        out.resize(self.n_class * n, 0.0);
        for c in 0..self.n_class {
            let r = c % self.n_rel;
            let e = (c / self.n_rel) % self.n_eth;
            let hazard = c / (self.n_rel * self.n_eth);
            for x in 0..n {
                let mut v = score[x];
                match hazard {
                    1 => v = v * v,
                    2 => v = (v * v) * (v * v),
                    HAZARD_BOY => v = 1.0,
                    _ => {}
                }
                if camp[x] {
                    if m.match_camp_ethnicity && self.eth.is_some() {
                        if let Some(sh) = self.eth_share[e * n + x] {
                            v *= sh * 10.0;
                        }
                    }
                    if m.match_camp_religion && self.rel.is_some() {
                        if let Some(sh) = self.rel_share[r * n + x] {
                            v *= sh / m.avg_religion_fraction;
                        }
                    }
                } else {
                    let rule = if conflict[x] > 0.0 {
                        m.match_conflict_ethnicity
                    } else {
                        m.match_town_ethnicity
                    };
                    if rule && self.eth.is_some() {
                        if let Some(sh) = self.eth_share[e * n + x] {
                            v *= sh * 10.0;
                        }
                    }
                    if m.use_pop_for_loc_weight {
                        v *= (pop[x].max(1) as f64).powf(m.pop_power_for_loc_weight);
                    }
                }
                out[c * n + x] = v;
            }
        }
    }
}
