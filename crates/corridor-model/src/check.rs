//! `corridor check`: a static look at an input (a Flee instance or a corridor
//! scenario) before running it.
//!
//! Counts what the input contains — among it where people come from: conflict
//! spawning, people present on day 0 (`initial_idps`), inflows — and warns about
//! things that read fine but are probably mistakes: an input where nobody can ever
//! appear, camps no one can reach from a place where people are
//! displaced, locations without any route, observed data that stops before the
//! simulation does, and conflict zones with no population (data-driven spawning
//! weights places by population, so nobody can leave them). Pure: no I/O, and the
//! report (including warning order) depends only on the scenario.

use crate::date::Date;
use crate::scenario::{LocationKind, Scenario};
use std::collections::VecDeque;
use std::fmt;

/// Intensity below which Flee treats a conflicts.csv value as "no conflict".
const CONFLICT_EPS: f64 = 1e-6;

/// What `check` found: counts and warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    pub name: String,
    pub start_date: Date,
    /// Date of the last simulated day (`start_date + days - 1`).
    pub end_date: Date,
    pub days: u32,
    pub locations: usize,
    /// Locations per kind, in [`LocationKind`] order, kinds with none left out.
    pub by_kind: Vec<(LocationKind, usize)>,
    /// Route rows; each is travelled in both directions.
    pub links: usize,
    /// Camps and IDP camps.
    pub camps: usize,
    pub ports: usize,
    pub closures: usize,
    /// Locations with a column in the conflict schedule, and its number of day rows.
    pub conflict_columns: usize,
    pub conflict_days: usize,
    /// Camp series in the observed data.
    pub data_series: usize,
    /// Residents of all locations (`population` in locations.csv): the weights
    /// of conflict spawning, not people who move.
    pub population: u64,
    /// People present on day 0 (`initial_idps` summed over locations).
    pub people_at_start: u64,
    /// Inflow series (border scenarios: people arriving at a location by date).
    pub inflows: usize,
    pub warnings: Vec<String>,
}

const KINDS: [LocationKind; 8] = [
    LocationKind::ConflictZone,
    LocationKind::Town,
    LocationKind::Camp,
    LocationKind::IdpCamp,
    LocationKind::ForwardingHub,
    LocationKind::Marker,
    LocationKind::FloodZone,
    LocationKind::Port,
];

/// Analyses a scenario.
pub fn check(s: &Scenario) -> CheckReport {
    let n = s.locations.len();
    let by_kind = KINDS
        .iter()
        .map(|&k| (k, s.locations.iter().filter(|l| l.kind == k).count()))
        .filter(|&(_, c)| c > 0)
        .collect();
    let mut warnings = Vec::new();

    // Undirected adjacency, ignoring closures: a camp is "reachable" if some
    // route exists at some time.
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for l in &s.links {
        if l.from < n && l.to < n {
            adj[l.from].push(l.to);
            adj[l.to].push(l.from);
        }
    }

    // Places where people can be displaced: conflict-type locations and every
    // location the conflict schedule ever turns on.
    let mut source = vec![false; n];
    for (i, l) in s.locations.iter().enumerate() {
        source[i] = l.kind == LocationKind::ConflictZone;
    }
    if let Some(c) = &s.conflicts {
        for (col, &loc) in c.locations.iter().enumerate() {
            if loc < n
                && c.intensity
                    .iter()
                    .any(|row| row.get(col).is_some_and(|&v| v > CONFLICT_EPS))
            {
                source[loc] = true;
            }
        }
    }
    // With DFlee's flood-driven spawning, people appear where a flood level is
    // ever above 0 instead (the conflict schedule is not read then).
    let flood_driven = s.settings.spawn_rules.flood_driven_spawning.is_some();
    let (start, from_what) = if flood_driven {
        let mut flooded = vec![false; n];
        if let Some(f) = &s.floods {
            for (col, &loc) in f.locations.iter().enumerate() {
                if loc < n
                    && f.level
                        .iter()
                        .any(|row| row.get(col).is_some_and(|&v| v > 0))
                {
                    flooded[loc] = true;
                }
            }
        }
        (flooded, "flooded location")
    } else {
        (source.clone(), "conflict zone")
    };
    let mut reached = start.clone();
    let mut queue: VecDeque<usize> = (0..n).filter(|&i| start[i]).collect();
    while let Some(i) = queue.pop_front() {
        for &j in &adj[i] {
            if !reached[j] {
                reached[j] = true;
                queue.push_back(j);
            }
        }
    }
    let any_source = start.iter().any(|&b| b);
    let people_at_start: u64 = s.locations.iter().map(|l| l.initial_idps).sum();
    let new_caravans = s
        .border
        .caravans
        .iter()
        .any(|c| c.source == crate::border::CaravanSource::New && c.size > 0);
    if !any_source && people_at_start == 0 && s.border.inflows.is_empty() && !new_caravans {
        warnings.push(if flood_driven {
            "nobody ever appears: no flood level above 0 in flood_level.csv, no initial_idps and no inflows"
                .to_string()
        } else {
            "nobody ever appears: no conflict zone (by type or in the conflict schedule), no initial_idps and no inflows"
                .to_string()
        });
    }

    for (i, l) in s.locations.iter().enumerate() {
        if adj[i].is_empty() {
            warnings.push(format!("location '{}' has no routes (isolated)", l.name));
        } else if l.kind.is_camp() && !reached[i] && any_source {
            warnings.push(format!(
                "camp '{}' cannot be reached from any {from_what}",
                l.name
            ));
        }
    }

    for (i, l) in s.locations.iter().enumerate() {
        if !flood_driven && source[i] && l.population == 0 {
            warnings.push(format!(
                "conflict zone '{}' has population 0: data-driven spawning never places people there",
                l.name
            ));
        }
    }

    let last_day = s.days as i64 - 1;
    // One warning for all series that stop early, so long lists stay readable.
    let mut short: Vec<String> = Vec::new();
    let mut note_end = |what: &str, points: &[(i64, f64)]| {
        if let Some(&(end, _)) = points.last() {
            if end < last_day {
                short.push(format!("{what} ({})", s.start_date.add_days(end)));
            }
        }
    };
    note_end("total", &s.data.total.points);
    for c in &s.data.camps {
        let name = s.locations.get(c.location).map_or("?", |l| l.name.as_str());
        note_end(name, &c.series.points);
    }
    if !short.is_empty() {
        warnings.push(format!(
            "observed data ends before the last simulated day {}: {}; the last values are held flat after that",
            s.start_date.add_days(last_day),
            short.join(", ")
        ));
    }

    if let Some(c) = &s.conflicts {
        if c.intensity.len() < s.days as usize {
            warnings.push(format!(
                "the conflict schedule has {} day rows but the simulation has {} days",
                c.intensity.len(),
                s.days
            ));
        }
    }

    CheckReport {
        name: s.name.clone(),
        start_date: s.start_date,
        end_date: s.start_date.add_days(last_day.max(0)),
        days: s.days,
        locations: n,
        by_kind,
        links: s.links.len(),
        camps: s.locations.iter().filter(|l| l.kind.is_camp()).count(),
        ports: s
            .locations
            .iter()
            .filter(|l| l.kind == LocationKind::Port)
            .count(),
        closures: s.closures.len(),
        conflict_columns: s.conflicts.as_ref().map_or(0, |c| c.locations.len()),
        conflict_days: s.conflicts.as_ref().map_or(0, |c| c.intensity.len()),
        data_series: s.data.camps.len(),
        population: s.locations.iter().map(|l| l.population).sum(),
        people_at_start,
        inflows: s.border.inflows.len(),
        warnings,
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} days, {} to {}",
            self.name, self.days, self.start_date, self.end_date
        )?;
        let kinds: Vec<String> = self
            .by_kind
            .iter()
            .map(|(k, c)| format!("{} {c}", k.as_str()))
            .collect();
        writeln!(f, "locations: {} ({})", self.locations, kinds.join(", "))?;
        writeln!(f, "routes: {} (each usable in both directions)", self.links)?;
        writeln!(f, "camps: {}, ports: {}", self.camps, self.ports)?;
        writeln!(
            f,
            "people at the start: {} (initial_idps); inflow series: {}",
            self.people_at_start, self.inflows
        )?;
        writeln!(
            f,
            "resident population (conflict spawning weights): {}",
            self.population
        )?;
        writeln!(f, "closures: {}", self.closures)?;
        if self.conflict_columns > 0 || self.conflict_days > 0 {
            writeln!(
                f,
                "conflict schedule: {} locations × {} days",
                self.conflict_columns, self.conflict_days
            )?;
        } else {
            writeln!(f, "conflict schedule: none")?;
        }
        writeln!(f, "observed data: {} camp series", self.data_series)?;
        if self.warnings.is_empty() {
            write!(f, "no warnings")
        } else {
            write!(f, "{} warning(s):", self.warnings.len())?;
            for w in &self.warnings {
                write!(f, "\n  - {w}")?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{CampData, ConflictSchedule, Location};
    use crate::series::Series;

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    /// A — B — C(camp), D(camp) isolated, E(town) — F(camp) unreachable.
    fn scenario() -> Scenario {
        let mut s = Scenario::new("t", date("2020-01-01"), 10);
        let mut a = Location::new("A", LocationKind::ConflictZone);
        a.population = 100;
        s.add_location(a);
        s.add_location(Location::new("B", LocationKind::Town));
        s.add_location(Location::new("C", LocationKind::Camp));
        s.add_location(Location::new("D", LocationKind::Camp));
        s.add_location(Location::new("E", LocationKind::Town));
        s.add_location(Location::new("F", LocationKind::IdpCamp));
        s.link("A", "B", 10.0);
        s.link("B", "C", 10.0);
        s.link("E", "F", 5.0);
        s.data.camps.push(CampData {
            location: 2,
            series: Series::new(vec![(0, 1.0), (9, 5.0)]),
        });
        s.data.camps.push(CampData {
            location: 5,
            series: Series::new(vec![(0, 1.0), (6, 5.0)]),
        });
        s
    }

    #[test]
    fn counts() {
        let r = check(&scenario());
        assert_eq!(r.locations, 6);
        assert_eq!(
            r.by_kind,
            vec![
                (LocationKind::ConflictZone, 1),
                (LocationKind::Town, 2),
                (LocationKind::Camp, 2),
                (LocationKind::IdpCamp, 1)
            ]
        );
        assert_eq!((r.links, r.camps, r.ports, r.data_series), (3, 3, 0, 2));
        assert_eq!(r.end_date, date("2020-01-10"));
        assert_eq!(r.population, 100);
    }

    #[test]
    fn warnings_in_location_order() {
        let r = check(&scenario());
        assert_eq!(
            r.warnings,
            vec![
                "location 'D' has no routes (isolated)".to_string(),
                "camp 'F' cannot be reached from any conflict zone".to_string(),
                "observed data ends before the last simulated day 2020-01-10: F (2020-01-07); the last values are held flat after that".to_string(),
            ]
        );
    }

    #[test]
    fn schedule_makes_sources_and_zero_population_is_flagged() {
        let mut s = scenario();
        // E becomes a conflict zone on day 3 through the schedule: F is now reachable,
        // but E has nobody living there.
        s.conflicts = Some(ConflictSchedule {
            locations: vec![4],
            intensity: (0..10)
                .map(|d| vec![if d >= 3 { 1.0 } else { 0.0 }])
                .collect(),
        });
        let r = check(&s);
        assert!(!r.warnings.iter().any(|w| w.contains("camp 'F' cannot")));
        assert!(r.warnings.contains(
            &"conflict zone 'E' has population 0: data-driven spawning never places people there"
                .to_string()
        ));
        assert_eq!((r.conflict_columns, r.conflict_days), (1, 10));
    }

    /// DFlee: people appear where a flood level is ever above 0 (the conflict
    /// schedule is not read), so a flood instance without conflict zones is
    /// not "nobody ever appears"; reachability counts from flooded places.
    #[test]
    fn flood_driven_spawning_is_where_people_appear() {
        let mut s = Scenario::new("t", date("2020-01-01"), 3);
        let mut f = Location::new("F", LocationKind::FloodZone);
        f.population = 1000;
        s.add_location(f);
        s.add_location(Location::new("C", LocationKind::Camp));
        s.add_location(Location::new("G", LocationKind::FloodZone));
        s.add_location(Location::new("D", LocationKind::Camp));
        s.link("F", "C", 10.0);
        s.link("G", "D", 10.0);
        s.settings.spawn_rules.flood_driven_spawning = Some(crate::settings::FloodDrivenSpawning {
            spawn_mode: crate::settings::SpawnMode::PopRatio,
            displaced_per_flood_day: vec![0.0, 0.1, 0.2],
        });
        s.floods = Some(crate::scenario::FloodSchedule {
            locations: vec![0, 2],
            level: vec![vec![0, 0], vec![1, 0], vec![2, 0]],
        });
        let r = check(&s);
        assert!(
            !r.warnings.iter().any(|w| w.contains("nobody")),
            "{:?}",
            r.warnings
        );
        assert!(r
            .warnings
            .contains(&"camp 'D' cannot be reached from any flooded location".to_string()));
        s.floods.as_mut().unwrap().level = vec![vec![0, 0]; 3];
        let r = check(&s);
        assert!(r.warnings.contains(
            &"nobody ever appears: no flood level above 0 in flood_level.csv, no initial_idps and no inflows"
                .to_string()
        ));
    }

    #[test]
    fn no_conflict_zone_at_all() {
        let mut s = Scenario::new("t", date("2020-01-01"), 5);
        s.add_location(Location::new("A", LocationKind::Town));
        s.add_location(Location::new("B", LocationKind::Camp));
        s.link("A", "B", 1.0);
        let r = check(&s);
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].starts_with("nobody ever appears"));
    }

    /// People present on day 0 (or arriving by inflow) are people: no warning
    /// that nobody is displaced, and the report counts them.
    #[test]
    fn people_at_start_count_as_a_source() {
        let mut s = Scenario::new("t", date("2020-01-01"), 5);
        let mut a = Location::new("A", LocationKind::Town);
        a.initial_idps = 2000;
        s.add_location(a);
        s.add_location(Location::new("B", LocationKind::Port));
        s.link("A", "B", 1.0);
        let r = check(&s);
        assert_eq!(r.people_at_start, 2000);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert!(r
            .to_string()
            .contains("people at the start: 2000 (initial_idps)"));
    }

    #[test]
    fn display_is_readable() {
        let text = check(&scenario()).to_string();
        assert!(text.starts_with("t: 10 days, 2020-01-01 to 2020-01-10\n"));
        assert!(text.contains("locations: 6 (conflict_zone 1, town 2, camp 2, idpcamp 1)"));
        assert!(text.contains("3 warning(s):\n  - location 'D' has no routes (isolated)"));
        let mut clean = Scenario::new("c", date("2020-01-01"), 1);
        let mut a = Location::new("A", LocationKind::ConflictZone);
        a.population = 5;
        clean.add_location(a);
        clean.add_location(Location::new("B", LocationKind::Camp));
        clean.link("A", "B", 1.0);
        assert!(check(&clean).to_string().ends_with("no warnings"));
    }
}
