//! The levers the page offers, generated from the scenario, and the lever
//! settings a request carries, turned into a variant file (TOML).
//!
//! Every lever is an event a `[[variants]]` entry can hold (the composing
//! actions of docs/scenario-format.md), so what a planner sets is saved and
//! re-run with `corridor ensemble --variant-file`. The TOML is read back through
//! the scenario reader (`corridor::variant_file`) before anything runs: every
//! value is validated exactly as a scenario file value would be. Settings at
//! their neutral value (factor 1, nothing closed, caravan as defined) write no
//! event, so untouched levers give the baseline exactly.

use corridor_model::Scenario;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// What the page shows: the levers of one scenario.
#[derive(Debug, Serialize)]
pub struct Catalogue {
    pub scenario: String,
    pub start_date: String,
    pub days: u32,
    pub variants: Vec<String>,
    pub has_appointments: bool,
    /// People per day at the start (the base scenario may change it later).
    pub appointments_per_day: f64,
    pub ports: Vec<String>,
    pub checkpoints: usize,
    pub crossings: usize,
    pub inflows: usize,
    pub caravans: Vec<CaravanInfo>,
    /// Locations with shelter beds, and their beds (people).
    pub shelters: Vec<(String, u64)>,
    pub max_members: usize,
    pub default_members: usize,
    /// The default "policy from" date (`YYYY-MM-DD`, [`default_policy_from`]).
    pub policy_from: String,
    /// Members of a first look (the server's; an answer of `m > 2` members
    /// has a first look of `min(first_look, m − 1)` members, `App::first_look_size`).
    pub first_look: usize,
}

#[derive(Debug, Serialize)]
pub struct CaravanInfo {
    pub name: String,
    pub date: String,
    /// People.
    pub size: u64,
}

/// People per agent.
fn hasten(s: &Scenario) -> u64 {
    s.settings.optimisations.hasten.max(1) as u64
}

pub fn catalogue(s: &Scenario, max_members: usize, default_members: usize) -> Catalogue {
    let b = &s.border;
    let h = hasten(s);
    Catalogue {
        scenario: s.name.clone(),
        start_date: s.start_date.to_string(),
        days: s.days,
        variants: b.variants.iter().map(|v| v.name.clone()).collect(),
        has_appointments: b.appointments.is_some(),
        appointments_per_day: b
            .appointments
            .as_ref()
            .map_or(0.0, |a| a.per_day * h as f64),
        ports: b.ports.iter().map(|p| p.name.clone()).collect(),
        checkpoints: b.checkpoints.len(),
        crossings: b.crossings.len(),
        inflows: b.inflows.len(),
        caravans: b
            .caravans
            .iter()
            .map(|c| CaravanInfo {
                name: c.name.clone(),
                date: s.start_date.add_days(c.day as i64).to_string(),
                size: c.size * h,
            })
            .collect(),
        shelters: s
            .locations
            .iter()
            .filter_map(|l| l.shelter_capacity.map(|c| (l.name.clone(), c * h)))
            .collect(),
        max_members,
        default_members,
        policy_from: default_policy_from(s).to_string(),
        first_look: 0,
    }
}

/// The date the levers' events take by default: the scenario's `report_from`
/// when it has one within its period (what-ifs are about the evaluated
/// months; every day before is the baseline's, so answers branch from it),
/// else its start date.
pub fn default_policy_from(s: &Scenario) -> corridor_model::Date {
    let end = s.start_date.add_days(s.days as i64);
    match s.observed.report_from {
        Some(d) if d >= s.start_date && d < end => d,
        _ => s.start_date,
    }
}

/// One request's lever settings (the page's state; also what the URL encodes).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// A scenario variant the levers apply on top of (`None` = the base).
    pub variant: Option<String>,
    /// Members of the ensemble (`None` = the server's default).
    pub members: Option<usize>,
    /// Days to simulate (`None` = the scenario's period).
    pub days: Option<u32>,
    pub seed: Option<u64>,
    /// `YYYY-MM-DD`: the date of the scale and set levers' events (`None` =
    /// [`default_policy_from`]). Ports' closed dates and caravans keep their own.
    pub policy_from: Option<String>,
    /// Factors (1 = as the scenario has it).
    pub containment: Option<f64>,
    pub inflow: Option<f64>,
    pub hazard: Option<f64>,
    pub request_probability: Option<f64>,
    /// People per day from the policy date (later base events still apply).
    pub appointments_per_day: Option<f64>,
    /// `fifo`, `lottery` or `mixed`.
    pub allocation: Option<String>,
    pub ports: Vec<PortSetting>,
    pub caravans: Vec<CaravanSetting>,
    pub shelters: Vec<ShelterSetting>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PortSetting {
    pub port: String,
    pub capacity: Option<f64>,
    /// `YYYY-MM-DD`, both or neither; `closed_until` exclusive.
    pub closed_from: Option<String>,
    pub closed_until: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CaravanSetting {
    pub caravan: String,
    pub enabled: Option<bool>,
    /// People.
    pub size: Option<u64>,
    pub date: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ShelterSetting {
    pub location: String,
    /// People.
    pub beds: u64,
}

/// A TOML basic string (JSON's escapes are TOML's).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A number as TOML writes it (always with a decimal point or exponent).
fn num(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

fn is_neutral(f: Option<f64>) -> bool {
    f.is_none_or(|x| x == 1.0)
}

impl Settings {
    /// The variant file of these settings, named `name`, for `s`: the scale
    /// and set levers' events are dated `policy_from` (default
    /// [`default_policy_from`]). Values are not checked here: the reader checks
    /// them (the date included) when the file is read back.
    pub fn to_variant_toml(&self, name: &str, s: &Scenario) -> String {
        let start = s.start_date.to_string();
        let from = self
            .policy_from
            .clone()
            .unwrap_or_else(|| default_policy_from(s).to_string());
        let mut t = String::new();
        let _ = writeln!(t, "# Saved by corridor serve; run it with");
        let on = self
            .variant
            .as_deref()
            .map(|v| format!(" --variant {v}"))
            .unwrap_or_default();
        let _ = writeln!(
            t,
            "#   corridor ensemble --engine counts --runs {}{on} --variant-file THIS_FILE",
            self.members.unwrap_or(20)
        );
        let _ = writeln!(t, "name = {}", q(name));
        let _ = writeln!(t, "description = {}", q("levers set on the what-if page"));
        let mut ev = |body: String| {
            let _ = writeln!(t, "\n[[events]]\ndate = {}\n{body}", q(&from));
        };
        let scale = |action: &str, f: Option<f64>| -> Option<String> {
            (!is_neutral(f))
                .then(|| format!("action = {}\nfactor = {}", q(action), num(f.unwrap_or(1.0))))
        };
        for (a, f) in [
            ("scale_checkpoint_probability", self.containment),
            ("scale_inflow", self.inflow),
            ("scale_crossing_hazard", self.hazard),
            ("scale_request_probability", self.request_probability),
        ] {
            if let Some(b) = scale(a, f) {
                ev(b);
            }
        }
        if let Some(n) = self.appointments_per_day {
            ev(format!(
                "action = \"set_appointments_per_day\"\nper_day = {}",
                num(n)
            ));
        }
        if let Some(a) = &self.allocation {
            let extra = if a == "mixed" {
                "\nfifo_share = 0.5"
            } else {
                ""
            };
            ev(format!(
                "action = \"set_allocation\"\nallocation = {}{extra}",
                q(a)
            ));
        }
        for p in &self.ports {
            if !is_neutral(p.capacity) {
                ev(format!(
                    "action = \"scale_port_capacity\"\nport = {}\nfactor = {}",
                    q(&p.port),
                    num(p.capacity.unwrap_or(1.0))
                ));
            }
        }
        for sh in &self.shelters {
            ev(format!(
                "action = \"set_shelter_capacity\"\nlocation = {}\nshelter_capacity = {}",
                q(&sh.location),
                sh.beds
            ));
        }
        // Dated events: written with their own date (after the day-0 block).
        for p in &self.ports {
            if let Some(from) = &p.closed_from {
                let until = p
                    .closed_until
                    .as_deref()
                    .map(|u| format!("\nuntil = {}", q(u)))
                    .unwrap_or_default();
                let _ = writeln!(
                    t,
                    "\n[[events]]\ndate = {}{until}\naction = \"hold_port_closed\"\nport = {}",
                    q(from),
                    q(&p.port)
                );
            }
        }
        for c in &self.caravans {
            let Some(info) = s.border.caravans.iter().find(|k| k.name == c.caravan) else {
                // An unknown name: written as is, so the reader names it.
                let _ = writeln!(
                    t,
                    "\n[[events]]\ndate = {}\naction = \"set_caravan\"\ncaravan = {}",
                    q(&start),
                    q(&c.caravan)
                );
                continue;
            };
            let enabled = c.enabled.unwrap_or(true);
            let date = c
                .date
                .clone()
                .unwrap_or_else(|| s.start_date.add_days(info.day as i64).to_string());
            let same_date = date == s.start_date.add_days(info.day as i64).to_string();
            let same_size = c.size.is_none_or(|k| k == info.size * hasten(s));
            if enabled && same_date && same_size {
                continue;
            }
            let size = c.size.map(|k| format!("\nsize = {k}")).unwrap_or_default();
            let _ = writeln!(
                t,
                "\n[[events]]\ndate = {}\naction = \"set_caravan\"\ncaravan = {}\nenabled = {enabled}{size}",
                q(&date),
                q(&c.caravan)
            );
        }
        t
    }
}
