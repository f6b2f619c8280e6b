//! Dynamic state of locations: type flags, conflicts, capacity, residents.
//!
//! The scenario's `LocationKind` is the state on day 0; conflict onsets and ends
//! (docs/flee-rules.md §2.3) and camp closures (§1.3) change the flags here, exactly as Flee
//! changes its `Location` objects:
//! * conflict onset: move chance ← `conflict_movechance`, intensity set, town flag
//!   off, `time_of_conflict ← t` (camp flags are kept);
//! * conflict end: town, `default_movechance`, no intensity;
//! * camp closure: camp → town with `default_movechance`; reopening restores it.
//!
//! Capacity is Flee's integer `capacity` with "< 1 means unlimited" (issue #46);
//! `UNLIMITED` (-1) stands for a location without capacity.

use crate::scenario::{LocationKind, Scenario};
use crate::settings::Settings;

pub(crate) const UNLIMITED: i64 = -1;

/// Below this, a conflict-schedule value counts as "no conflict" (Flee's 1e-6).
const EPS: f64 = 1e-6;

#[derive(Debug, Clone)]
pub(crate) struct Places {
    pub camp: Vec<bool>,
    pub idpcamp: Vec<bool>,
    pub town: Vec<bool>,
    pub marker: Vec<bool>,
    pub foreign: Vec<bool>,
    /// Location move chance by type (before the population scale factor).
    pub movechance: Vec<f64>,
    /// Conflict intensity; ≤ 0 = no conflict.
    pub conflict: Vec<f64>,
    /// Day of the last onset (−1 for zones that started as conflict zones).
    pub time_of_conflict: Vec<i64>,
    pub capacity: Vec<i64>,
    pub capacity_per_day: Vec<i64>,
    /// Residents (spawn weights, pop_ratio spawning, move-chance scaling).
    pub pop: Vec<u64>,
    /// Camps as sinks: daily deactivation probability (attribute `deactivation_probability`).
    pub deactivation: Vec<f64>,
    /// Arrivals stop travelling for the day here (ports: people join the queue;
    /// papers offices: people are offered papers).
    pub halt: Vec<bool>,
    /// Set when `take_from_population` emptied a location (warned once).
    pub pop_exhausted: Vec<bool>,
    /// Location names and the start date, only so that warnings speak in names
    /// and dates rather than indices and day numbers.
    names: Vec<String>,
    start_date: crate::date::Date,
}

impl Places {
    pub(crate) fn init(sc: &Scenario, s: &Settings) -> Places {
        let m = &s.move_rules;
        let n = sc.locations.len();
        let mut p = Places {
            camp: vec![false; n],
            idpcamp: vec![false; n],
            town: vec![false; n],
            marker: vec![false; n],
            foreign: vec![false; n],
            movechance: vec![m.default_movechance; n],
            conflict: vec![-1.0; n],
            time_of_conflict: vec![-1; n],
            capacity: vec![UNLIMITED; n],
            capacity_per_day: vec![0; n],
            pop: vec![0; n],
            deactivation: vec![0.0; n],
            halt: vec![false; n],
            pop_exhausted: vec![false; n],
            names: sc.locations.iter().map(|l| l.name.clone()).collect(),
            start_date: sc.start_date,
        };
        for (i, l) in sc.locations.iter().enumerate() {
            p.foreign[i] = l.foreign;
            p.pop[i] = l.population;
            p.capacity[i] = l
                .capacity
                .map(|c| c.min(i64::MAX as u64) as i64)
                .unwrap_or(UNLIMITED);
            p.capacity_per_day[i] = l.capacity_per_day.min(i64::MAX as u64) as i64;
            p.deactivation[i] = l
                .attributes
                .get("deactivation_probability")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .map(|v| v.clamp(0.0, 1.0))
                .unwrap_or(0.0);
            match l.kind {
                LocationKind::Camp => {
                    p.camp[i] = true;
                    p.movechance[i] = m.camp_movechance;
                }
                LocationKind::IdpCamp => {
                    p.camp[i] = true;
                    p.idpcamp[i] = true;
                    p.movechance[i] = m.idpcamp_movechance;
                }
                LocationKind::ConflictZone => {
                    if l.conflict_date.unwrap_or(0) <= 0 {
                        p.conflict[i] = l.conflict_intensity;
                        p.movechance[i] = m.conflict_movechance;
                    } else {
                        p.town[i] = true;
                    }
                }
                LocationKind::ForwardingHub => p.movechance[i] = 1.0,
                LocationKind::Marker => {
                    p.marker[i] = true;
                    p.movechance[i] = 1.0;
                }
                LocationKind::FloodZone => {}
                LocationKind::Town => p.town[i] = true,
                LocationKind::Port => {
                    p.town[i] = true;
                    p.halt[i] = true;
                }
            }
        }
        // Everyone who reaches a papers office stops there for the day, so that
        // it is offered papers (border::papers).
        for o in &sc.border.papers {
            p.halt[o.location] = true;
        }
        p
    }

    pub(crate) fn add_conflict(&mut self, l: usize, intensity: f64, t: i64, s: &Settings) {
        self.movechance[l] = s.move_rules.conflict_movechance;
        self.conflict[l] = intensity;
        self.town[l] = false;
        self.time_of_conflict[l] = t;
    }

    pub(crate) fn remove_conflict(&mut self, l: usize, s: &Settings) {
        self.town[l] = true;
        self.movechance[l] = s.move_rules.default_movechance;
        self.conflict[l] = -1.0;
    }

    /// Applies day `t` of the conflict schedule (docs/flee-rules.md §2.3). Without a
    /// schedule, `conflict*` locations with `conflict_date = t > 0` become conflict
    /// zones on that day (Flee's no-conflicts.csv branch never does; deviation).
    /// Returns true if a row was missing (the schedule is shorter than the run).
    pub(crate) fn apply_conflicts(&mut self, sc: &Scenario, s: &Settings, t: u32) -> bool {
        let ti = t as i64;
        let Some(cs) = &sc.conflicts else {
            for (i, l) in sc.locations.iter().enumerate() {
                if l.kind == LocationKind::ConflictZone && t > 0 && l.conflict_date == Some(ti) {
                    self.add_conflict(i, l.conflict_intensity, ti, s);
                }
            }
            return false;
        };
        if cs.intensity.is_empty() {
            return true;
        }
        let missing = t as usize >= cs.intensity.len();
        // Missing rows repeat the last row: no transitions.
        let row = |d: usize| &cs.intensity[d.min(cs.intensity.len() - 1)];
        let now = row(t as usize);
        for (col, &l) in cs.locations.iter().enumerate() {
            if l >= self.conflict.len() {
                continue;
            }
            let c = now.get(col).copied().unwrap_or(0.0);
            if t == 0 {
                if c > EPS {
                    self.add_conflict(l, c, 0, s);
                }
                continue;
            }
            let prev = row(t as usize - 1).get(col).copied().unwrap_or(0.0);
            if c > EPS && prev < EPS {
                self.add_conflict(l, c, ti, s);
            } else if c < EPS && prev >= EPS {
                self.remove_conflict(l, s);
            } else if c > EPS && self.conflict[l] > 0.0 && c != self.conflict[l] {
                // Flee ignores intensity changes after onset (a defect, docs/flee-rules.md §6);
                // we follow the schedule but keep the onset day for the decay.
                self.conflict[l] = c;
            }
        }
        missing
    }

    /// Flee's spawn decay factor of location `l` on day `t` (docs/flee-rules.md §2.3).
    #[inline]
    pub(crate) fn decay(&self, l: usize, t: i64, s: &Settings) -> f64 {
        let sr = &s.spawn_rules;
        match &sr.conflict_spawn_decay {
            Some(d) if !d.is_empty() => {
                let interval = sr.conflict_spawn_decay_interval.max(1) as i64;
                let idx = (t - self.time_of_conflict[l]).div_euclid(interval);
                d[idx.clamp(0, d.len() as i64 - 1) as usize]
            }
            _ => 1.0,
        }
    }

    /// Location attractiveness `s_L` on day `t` (docs/flee-rules.md §2.5).
    pub(crate) fn score(&self, l: usize, t: i64, s: &Settings) -> f64 {
        let m = &s.move_rules;
        let mut v = 1.0;
        if self.foreign[l] {
            v *= m.foreign_weight;
        }
        if self.camp[l] {
            v *= m.camp_weight;
        }
        if self.conflict[l] > 0.0 {
            v *= m
                .conflict_weight
                .powf(self.decay(l, t, s) * self.conflict[l]);
        }
        v
    }

    /// Capacity multiplier `C(x)` for `n` agents at `l` (docs/flee-rules.md §2.6).
    #[inline]
    pub(crate) fn capacity_multiplier(&self, l: usize, n: u64, s: &Settings) -> f64 {
        let m = &s.move_rules;
        let cap = self.capacity[l] as f64 * m.capacity_scaling;
        if cap < 1.0 {
            return 1.0;
        }
        let n = n as f64;
        let buf = m.capacity_buffer * cap;
        if n <= buf {
            1.0
        } else if n >= cap {
            0.0
        } else {
            1.0 - (n - buf) / (cap * (1.0 - m.capacity_buffer))
        }
    }

    /// Daily move chance of a location before route overrides (docs/flee-rules.md §2.7).
    pub(crate) fn move_chance(&self, l: usize, s: &Settings) -> f64 {
        let m = &s.move_rules;
        let mut mc = self.movechance[l];
        if m.movechance_pop_scale_factor != 0.0 {
            let size = (self.pop[l] as f64).max(self.capacity[l] as f64);
            mc *= (size / m.movechance_pop_base).powf(m.movechance_pop_scale_factor);
        }
        mc
    }

    /// The start of a day's evolve (docs/flee-rules.md §2.2): capacities grow by
    /// `capacity_per_day`; `score` and `mc` get every location's attractiveness and
    /// move chance for day `t`.
    pub(crate) fn start_of_evolve(
        &mut self,
        t: i64,
        s: &Settings,
        score: &mut [f64],
        mc: &mut [f64],
    ) {
        for l in 0..self.capacity.len() {
            let cpd = self.capacity_per_day[l];
            if cpd != 0 && self.capacity[l] != UNLIMITED {
                self.capacity[l] += cpd;
            }
            score[l] = self.score(l, t, s);
            mc[l] = self.move_chance(l, s);
        }
    }

    /// Takes `n` people from the population of `l` (take_from_population),
    /// never below 0. Returns the warning to record the first time `l` empties.
    pub(crate) fn take_population(&mut self, l: usize, n: u64, t: u32) -> Option<String> {
        let p = &mut self.pop[l];
        if *p == 0 || n == 0 {
            return None;
        }
        *p = p.saturating_sub(n);
        if *p == 0 && !self.pop_exhausted[l] {
            self.pop_exhausted[l] = true;
            let name = self.names.get(l).map_or("?", String::as_str);
            return Some(format!(
                "{}: take_from_population emptied the population of {name}",
                self.start_date.add_days(t as i64)
            ));
        }
        None
    }

    /// Turns camp `l` into a town (closure) or back into a camp (reopening).
    pub(crate) fn set_camp_closed(&mut self, l: usize, closed: bool, s: &Settings) {
        let m = &s.move_rules;
        if closed {
            self.camp[l] = false;
            self.town[l] = true;
            self.movechance[l] = m.default_movechance;
        } else {
            self.camp[l] = true;
            self.town[l] = false;
            self.movechance[l] = if self.idpcamp[l] {
                m.idpcamp_movechance
            } else {
                m.camp_movechance
            };
        }
    }
}
