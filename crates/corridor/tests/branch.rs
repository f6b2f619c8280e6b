//! Branching from the baseline is exact: a count run of the baseline stepped
//! to the branch day and continued as a run of a variant (`CountRun::rebase`)
//! gives, byte for byte, the records of the variant's run from day 0 with the
//! same seed. Checked for every variant of the built-in scenario and of
//! `examples/variants`, and for every kind of lever event the what-if page
//! writes (scale_* from a date, set_appointments_per_day, set_allocation,
//! scale_port_capacity, hold_port_closed over a period, set_caravan moved,
//! resized and cancelled, set_shelter_capacity), branched at the branch day
//! and before it. A lever dated a few days (less than the pool's 14 lead days)
//! after another, a caravan and a port held closed from a date are among them,
//! so a look-ahead the branch day missed would fail here. A proptest draws
//! lever dates and branch days on the small example.

use corridor::input::{load_builtin, load_scenario};
use corridor::variant_file::add_variant_str;
use corridor::Input;
use corridor_model::counts::branch::branch_day;
use corridor_model::counts::{simulate_counts, CountRun};
use corridor_model::{EngineKind, RunOptions, RunOutput, Scenario};
use proptest::prelude::*;
use std::path::Path;

fn example(name: &str) -> Input {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .join("scenario.toml");
    load_scenario(&p).unwrap()
}

fn full(b: &Scenario, seed: u64, days: u32) -> RunOutput {
    let opts = RunOptions {
        seed,
        days: Some(days),
        engine: EngineKind::Counts,
    };
    simulate_counts(b, &opts).unwrap()
}

/// The baseline `a` stepped to `at`, rebased onto `b`, stepped to `days`.
fn branched(a: &Scenario, b: &Scenario, seed: u64, at: u32, days: u32) -> RunOutput {
    let mut r = CountRun::new(a, seed).unwrap();
    for _ in 0..at {
        r.step().unwrap();
    }
    let mut r = r.rebase(b).unwrap();
    while r.day() < days {
        r.step().unwrap();
    }
    r.into_output()
}

/// `b` branched from `a` at its branch day (and `earlier` days before it, when
/// that is a day) equals `b` run from day 0, for each seed; returns the branch day.
fn check(a: &Scenario, b: &Scenario, seeds: &[u64], earlier: u32) -> u32 {
    let days = a.days;
    let d = branch_day(a, b).expect("a variant of events only branches");
    let at = d.min(days);
    for &seed in seeds {
        let want = full(b, seed, days);
        let got = branched(a, b, seed, at, days);
        assert!(
            want == got,
            "seed {seed}: branched on day {at} differs from the full run"
        );
        // The same bytes as the run directory would hold them.
        assert_eq!(format!("{want:?}"), format!("{got:?}"));
        if earlier > 0 && at >= earlier {
            let got = branched(a, b, seed, at - earlier, days);
            assert!(want == got, "seed {seed}: branched on day {}", at - earlier);
        }
    }
    d
}

fn with_levers(input: &Input, text: &str) -> Scenario {
    let mut input = input.clone();
    let name = add_variant_str(&mut input, "levers", text).unwrap();
    input.with_variant(Some(&name)).unwrap()
}

#[test]
fn builtin_variants_branch_exactly() {
    let input = load_builtin().unwrap();
    let a = input.with_variant(None).unwrap();
    let mut seen = 0;
    for name in input.variant_names() {
        let b = input.with_variant(Some(&name)).unwrap();
        let d = check(&a, &b, &[3], 0);
        if name != "baseline" {
            assert!(d > 150 && d < a.days, "{name}: branch day {d}");
            seen += 1;
        }
    }
    assert_eq!(seen, 3);
}

#[test]
fn builtin_levers_branch_exactly() {
    let input = load_builtin().unwrap();
    let a = input.with_variant(None).unwrap();
    let shelter = a
        .locations
        .iter()
        .find(|l| l.shelter_capacity.is_some())
        .map(|l| l.name.clone())
        .expect("the built-in scenario has shelters");
    let port = &a.border.ports[0].name;
    let levers = [
        // Every scale lever from one date; the request probability's a few
        // days later (within the 14 lead days).
        "[[events]]\ndate = \"2023-12-20\"\naction = \"scale_checkpoint_probability\"\nfactor = 0.5\n\
         [[events]]\ndate = \"2023-12-20\"\naction = \"scale_inflow\"\nfactor = 1.3\n\
         [[events]]\ndate = \"2023-12-20\"\naction = \"scale_crossing_hazard\"\nfactor = 2.0\n\
         [[events]]\ndate = \"2023-12-25\"\naction = \"scale_request_probability\"\nfactor = 1.5\n"
            .to_string(),
        // Appointments and their allocation.
        "[[events]]\ndate = \"2024-01-05\"\naction = \"set_appointments_per_day\"\nper_day = 3000\n\
         [[events]]\ndate = \"2024-01-09\"\naction = \"set_allocation\"\nallocation = \"lottery\"\n"
            .to_string(),
        // A port's capacity, and the port held closed over a period.
        format!(
            "[[events]]\ndate = \"2023-11-15\"\naction = \"scale_port_capacity\"\nport = \"{port}\"\nfactor = 0.3\n\
             [[events]]\ndate = \"2023-11-20\"\nuntil = \"2024-01-10\"\naction = \"hold_port_closed\"\nport = \"{port}\"\n"
        ),
        // The December caravan moved later and resized; caravan 32 cancelled.
        "[[events]]\ndate = \"2024-01-10\"\naction = \"set_caravan\"\ncaravan = \"exodo-de-la-pobreza\"\nsize = 3000\n"
            .to_string(),
        "[[events]]\ndate = \"2023-10-01\"\naction = \"set_caravan\"\ncaravan = \"caravan-32\"\nenabled = false\n"
            .to_string(),
        // Shelter beds.
        format!(
            "[[events]]\ndate = \"2023-12-01\"\naction = \"set_shelter_capacity\"\nlocation = \"{shelter}\"\nshelter_capacity = 10\n"
        ),
    ];
    let mut days = Vec::new();
    for text in &levers {
        let b = with_levers(&input, &format!("name = \"levers\"\n{text}"));
        days.push(check(&a, &b, &[5], 4));
    }
    let day = |s: &str| {
        corridor_model::Date::parse(s)
            .unwrap()
            .days_since(a.start_date) as u32
    };
    assert_eq!(days[0], day("2023-12-20"));
    // The moved caravan differs from its own start (24 Dec), before the event.
    assert_eq!(days[3], day("2023-12-24"));
    // Cancelled from 1 Oct: differs from that date, before its start on 30 Oct.
    assert_eq!(days[4], day("2023-10-01"));
}

#[test]
fn example_variants_branch_exactly() {
    let input = example("variants");
    let a = input.with_variant(None).unwrap();
    for name in input.variant_names() {
        let b = input.with_variant(Some(&name)).unwrap();
        check(&a, &b, &[1, 2, 3], 2);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    /// Random lever dates and branch days on the small example: whatever the
    /// dates, the branched run is the full run.
    #[test]
    fn random_dates_branch_exactly(
        d1 in 0u32..60, d2 in 0u32..58, d3 in 0u32..60, back in 0u32..20, seed in 0u64..1000,
    ) {
        let input = example("variants");
        let a = input.with_variant(None).unwrap();
        let date = |d: u32| a.start_date.add_days(d as i64).to_string();
        let text = format!(
            "name = \"levers\"\n\
             [[events]]\ndate = \"{}\"\naction = \"scale_checkpoint_probability\"\nfactor = 3.0\n\
             [[events]]\ndate = \"{}\"\nuntil_day = 59\naction = \"hold_port_closed\"\nport = \"Eagle Pass\"\n\
             [[events]]\ndate = \"{}\"\naction = \"set_appointments_per_day\"\nper_day = 90\n",
            date(d1), date(d2), date(d3)
        );
        let b = with_levers(&input, &text);
        let d = branch_day(&a, &b).unwrap();
        prop_assert_eq!(d, d1.min(d2).min(d3));
        let at = d.saturating_sub(back);
        let want = full(&b, seed, a.days);
        let got = branched(&a, &b, seed, at, a.days);
        prop_assert!(want == got);
    }
}
