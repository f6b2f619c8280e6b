//! Reading the composing lever actions of `[[events]]` and `[[variants.events]]`
//! (`scale_*`, `hold_port_closed`, `set_caravan`), and variant files.
//!
//! A composing action acts on top of the scenario's own dated `set_*` events
//! rather than replacing them (see `corridor_model::border::levers`), so a
//! planner's "containment × 0.5" keeps holding after the built-in scenario's own
//! checkpoint change of 28 Dec 2023. An action with a period (`until = DATE` or
//! `until_day = N`, exclusive) becomes two events: the factor (or hold) on the
//! start day and its reset (factor 1, hold released) on the end day. An optional
//! target (`checkpoint`, `crossing`, `inflow`, `port`) left out means every one.
//!
//! A variant file (`--variant-file`, the server's "Save as variant") is one
//! variant on its own: `name`, `description` and `[[events]]` as in a scenario's
//! `[[variants]]`, read against the scenario it is applied to (names of ports,
//! checkpoints, locations; dates from its start date; people ÷ its `hasten`).

use super::{port_key, Reader};
use crate::error::InputError;
use corridor_model::border::{Action, Border, Event, Variant};
use corridor_model::Scenario;

use super::doc::{Source, Tab};

/// The composing actions and their keys (all but `factor`/`closed` optional).
pub(super) fn action_keys(action: &str) -> Option<&'static [&'static str]> {
    Some(match action {
        "scale_checkpoint_probability" => &["checkpoint", "factor", "until", "until_day"],
        "scale_crossing_hazard" => &["crossing", "factor", "until", "until_day"],
        "scale_inflow" => &["inflow", "factor", "until", "until_day"],
        "scale_request_probability" => &["factor", "until", "until_day"],
        "scale_port_capacity" => &["port", "factor", "until", "until_day"],
        "hold_port_closed" => &["port", "closed", "until", "until_day"],
        "set_caravan" => &["caravan", "enabled", "size"],
        _ => return None,
    })
}

/// Largest factor accepted: far beyond any plausible policy, small enough that
/// a factor can never overflow a count.
const MAX_FACTOR: f64 = 1000.0;

fn factor_ok(x: f64) -> bool {
    (0.0..=MAX_FACTOR).contains(&x)
}

/// The period's end day (exclusive), if `until`/`until_day` is given; it must be
/// after `day`.
fn until_of(r: &Reader, t: &Tab, day: u32) -> Result<Option<u32>, InputError> {
    let end = match (t.has("until"), t.has("until_day")) {
        (true, true) => {
            return Err(t.error_at(
                "until_day",
                format!("{}: give either until or until_day, not both", t.path),
            ))
        }
        (false, false) => return Ok(None),
        (true, false) => {
            let d = t.opt_date("until")?.unwrap_or(r.start);
            (d.days_since(r.start), "until")
        }
        (false, true) => (
            t.int(
                "until_day",
                0,
                super::MAX_DAYS,
                "a whole number of days ≥ 0",
            )?,
            "until_day",
        ),
    };
    if end.0 <= day as i64 {
        return Err(t.bad(
            end.1,
            "a date after the event's date (the period's end, exclusive)",
        ));
    }
    Ok(Some(end.0 as u32))
}

/// Index of a named entity (by key `k`), or every index when the key is absent.
fn targets(
    r: &Reader,
    t: &Tab,
    k: &str,
    names: &[&str],
    what: &str,
    table: &str,
) -> Result<Vec<usize>, InputError> {
    match t.opt_str(k)? {
        None => Ok((0..names.len()).collect()),
        Some(n) => names
            .iter()
            .position(|x| *x == n)
            .map(|i| vec![i])
            .ok_or_else(|| r.src.unknown_ref(t.value_line(k), what, n, table)),
    }
}

/// Reads one composing event dated `day`; `None` if `name` is not one of them.
pub(super) fn read(
    r: &Reader,
    t: &Tab,
    name: &str,
    day: u32,
    s: &Scenario,
    b: &Border,
) -> Result<Option<Vec<Event>>, InputError> {
    if action_keys(name).is_none() {
        return Ok(None);
    }
    let factor = || t.f64("factor", factor_ok, "a number between 0 and 1000");
    let need = |n: usize, what: &str| -> Result<(), InputError> {
        if n == 0 {
            return Err(t.error_at(
                "action",
                format!("{}: the scenario has no {what}", t.full("action")),
            ));
        }
        Ok(())
    };
    // (action at the start, action at the end of the period) per target.
    let mut pairs: Vec<(Action, Action)> = Vec::new();
    match name {
        "scale_checkpoint_probability" => {
            need(b.checkpoints.len(), "checkpoints")?;
            let names: Vec<&str> = b.checkpoints.iter().map(|c| c.name.as_str()).collect();
            let f = factor()?;
            for checkpoint in targets(
                r,
                t,
                "checkpoint",
                &names,
                "checkpoint",
                "the checkpoints table",
            )? {
                pairs.push((
                    Action::ScaleCheckpointProbability {
                        checkpoint,
                        factor: f,
                    },
                    Action::ScaleCheckpointProbability {
                        checkpoint,
                        factor: 1.0,
                    },
                ));
            }
        }
        "scale_crossing_hazard" => {
            need(b.crossings.len(), "crossings")?;
            let names: Vec<&str> = b.crossings.iter().map(|c| c.name.as_str()).collect();
            let f = factor()?;
            for crossing in targets(
                r,
                t,
                "crossing",
                &names,
                "crossing point",
                "the crossings table",
            )? {
                pairs.push((
                    Action::ScaleCrossingHazard {
                        crossing,
                        factor: f,
                    },
                    Action::ScaleCrossingHazard {
                        crossing,
                        factor: 1.0,
                    },
                ));
            }
        }
        "scale_inflow" => {
            need(b.inflows.len(), "inflows")?;
            let names: Vec<&str> = b
                .inflows
                .iter()
                .map(|i| s.locations[i.location].name.as_str())
                .collect();
            let f = factor()?;
            for inflow in targets(r, t, "inflow", &names, "inflow at", "the inflows table")? {
                pairs.push((
                    Action::ScaleInflow { inflow, factor: f },
                    Action::ScaleInflow {
                        inflow,
                        factor: 1.0,
                    },
                ));
            }
        }
        "scale_request_probability" => {
            if b.appointments.is_none() {
                return Err(t.error_at(
                    "action",
                    format!(
                        "{}: action '{name}' needs an [appointments] table",
                        t.full("action")
                    ),
                ));
            }
            let f = factor()?;
            pairs.push((
                Action::ScaleRequestProbability { factor: f },
                Action::ScaleRequestProbability { factor: 1.0 },
            ));
        }
        "scale_port_capacity" | "hold_port_closed" => {
            need(b.ports.len(), "ports")?;
            let ports = match t.has("port") {
                true => vec![port_key(r, t, "port", b)?],
                false => (0..b.ports.len()).collect(),
            };
            let scale = name == "scale_port_capacity";
            let f = if scale { factor()? } else { 1.0 };
            let closed = t.opt_bool("closed")?.unwrap_or(true);
            for port in ports {
                pairs.push(if scale {
                    (
                        Action::ScalePortCapacity { port, factor: f },
                        Action::ScalePortCapacity { port, factor: 1.0 },
                    )
                } else {
                    (
                        Action::HoldPortClosed { port, closed },
                        Action::HoldPortClosed {
                            port,
                            closed: false,
                        },
                    )
                });
            }
        }
        "set_caravan" => {
            let n = t.str("caravan")?;
            let caravan = b.caravans.iter().position(|c| c.name == n).ok_or_else(|| {
                r.src.unknown_ref(
                    t.value_line("caravan"),
                    "caravan",
                    n,
                    "the [[caravans]] tables",
                )
            })?;
            let enabled = t.opt_bool("enabled")?.unwrap_or(true);
            let size = t
                .opt_int("size", 1, i64::MAX, "a whole number of people ≥ 1")?
                .map(|k| k as u64 / r.hasten);
            return Ok(Some(vec![Event {
                day,
                action: Action::SetCaravan {
                    caravan,
                    enabled,
                    size,
                },
            }]));
        }
        _ => unreachable!("action_keys lists every name"),
    }
    let until = until_of(r, t, day)?;
    let mut out = Vec::new();
    for (start, end) in pairs {
        out.push(Event { day, action: start });
        if let Some(u) = until {
            out.push(Event {
                day: u,
                action: end,
            });
        }
    }
    Ok(Some(out))
}

/// Keys of a variant file's top level.
const VARIANT_FILE_KEYS: [&str; 3] = ["name", "description", "events"];

/// Reads a variant file (`shown` names it in messages) against `scenario`, the
/// scenario it will be applied to. Returns the variant and the reader's warnings
/// (e.g. an event after the last simulated day).
pub fn read_variant_str(
    shown: &str,
    text: &str,
    scenario: &Scenario,
) -> Result<(Variant, Vec<String>), InputError> {
    let src = Source::new(shown, text);
    let parsed = src.parse(text)?;
    let top = Tab::new(
        &src,
        String::new(),
        parsed.as_table(),
        None,
        &VARIANT_FILE_KEYS,
    )?;
    let name = top.str("name")?.to_string();
    if name.trim().is_empty() {
        return Err(top.bad("name", "a non-empty name"));
    }
    let description = top.opt_str("description")?.unwrap_or("").to_string();
    let no_files = |_: &str| -> Result<Option<Vec<u8>>, InputError> { Ok(None) };
    let shown_table = |rel: &str| rel.to_string();
    let mut r = Reader {
        src: &src,
        load: &no_files,
        shown_table: &shown_table,
        inputs: Default::default(),
        warnings: Vec::new(),
        start: scenario.start_date,
        days: scenario.days,
        hasten: scenario.settings.optimisations.hasten.max(1) as u64,
        names: super::location_index(scenario),
        loc_file: "the scenario's locations".into(),
    };
    let events = super::read_events(&mut r, &top, "events", scenario, &scenario.border)?;
    Ok((
        Variant {
            name,
            description,
            events,
        },
        r.warnings,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_model::border::Levers;
    use std::path::Path;

    fn builtin() -> Scenario {
        let p =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/mexico-2023/scenario.toml");
        crate::scenario::read_scenario(&p).unwrap().scenario
    }

    fn day(s: &Scenario, ymd: &str) -> u32 {
        corridor_model::Date::parse(ymd)
            .unwrap()
            .days_since(s.start_date) as u32
    }

    /// Effective levers after the events of days `0..=upto`.
    fn levers_at(s: &Scenario, upto: u32) -> Levers {
        let mut l = Levers::new(s);
        let mut cursor = 0;
        for d in 0..=upto {
            l.apply_day(&s.border.events, d, &mut cursor);
        }
        l
    }

    #[test]
    fn a_day_zero_containment_scale_still_holds_after_the_28_december_change() {
        let base = builtin();
        let text = r#"
name = "containment-half"
[[events]]
day = 0
action = "scale_checkpoint_probability"
factor = 0.5
"#;
        let (v, warnings) = read_variant_str("v.toml", text, &base).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(v.events.len(), base.border.checkpoints.len());
        let mut with = base.clone();
        with.border.variants.push(v);
        with.border.apply_variant("containment-half").unwrap();
        let vm = base
            .border
            .checkpoints
            .iter()
            .position(|c| c.name == "Viva México")
            .unwrap();
        let dec28 = day(&base, "2023-12-28");
        // The base scenario sets Viva México to 0.22 on 28 Dec 2023: halved, 0.11.
        assert_eq!(levers_at(&base, dec28).checkpoint_probability[vm], 0.22);
        assert_eq!(levers_at(&with, dec28).checkpoint_probability[vm], 0.11);
        // Before it, the day-0 probability is halved too.
        let p0 = base.border.checkpoints[vm].probability;
        assert_eq!(levers_at(&with, 0).checkpoint_probability[vm], p0 * 0.5);
    }

    #[test]
    fn periods_end_and_holds_override_base_reopening() {
        let base = builtin();
        let text = r#"
name = "lukeville-held"
[[events]]
date = "2023-12-01"
until = "2024-02-01"
action = "hold_port_closed"
port = "Lukeville POE"
[[events]]
date = "2023-12-01"
until_day = 200
action = "scale_inflow"
factor = 2
[[events]]
date = "2023-12-20"
action = "set_caravan"
caravan = "caravan-32"
size = 1000
"#;
        let (v, _) = read_variant_str("v.toml", text, &base).unwrap();
        let mut with = base.clone();
        with.border.variants.push(v);
        with.border.apply_variant("lukeville-held").unwrap();
        let p = base
            .border
            .ports
            .iter()
            .position(|p| p.name == "Lukeville POE")
            .unwrap();
        // The base reopens Lukeville on 4 Jan 2024; held closed until 1 Feb.
        let jan10 = day(&base, "2024-01-10");
        assert!(levers_at(&base, jan10).port_open[p]);
        assert!(!levers_at(&with, jan10).port_open[p]);
        assert!(levers_at(&with, day(&base, "2024-02-01")).port_open[p]);
        assert_eq!(levers_at(&with, 199).inflow_scale[0], 2.0);
        assert_eq!(
            levers_at(&with, day(&base, "2023-11-30")).inflow_scale[0],
            1.0
        );
        assert_eq!(levers_at(&with, 200).inflow_scale[0], 1.0);
        assert!(with
            .border
            .events
            .iter()
            .any(|e| matches!(e.action, Action::SetCaravan { size: Some(_), .. })));
    }

    #[test]
    fn bad_values_name_file_line_and_key() {
        let base = builtin();
        let cases = [
            (
                "name = \"x\"\n[[events]]\nday = 0\naction = \"scale_inflow\"\nfactor = -1\n",
                "v.toml:5",
                "events[1].factor",
            ),
            (
                "name = \"x\"\n[[events]]\nday = 5\nuntil_day = 5\naction = \"scale_inflow\"\nfactor = 1\n",
                "v.toml:4",
                "until_day",
            ),
            (
                "name = \"x\"\n[[events]]\nday = 0\naction = \"hold_port_closed\"\nport = \"Nowhere POE\"\n",
                "v.toml:5",
                "Nowhere POE",
            ),
            (
                "name = \"x\"\n[[events]]\nday = 0\naction = \"set_caravan\"\ncaravan = \"c\"\nfactor = 2\n",
                "v.toml:6",
                "does not apply",
            ),
            ("name = \"x\"\npath = \"/etc/passwd\"\n", "v.toml:2", "path"),
        ];
        for (text, at, what) in cases {
            let e = read_variant_str("v.toml", text, &base)
                .unwrap_err()
                .to_string();
            assert!(e.contains(at) && e.contains(what), "{text}\n→ {e}");
        }
    }
}
