//! Validation and calibration with the real engine: on mali2012 (shipped with the
//! repository in tests/data/flee) and on small data-driven scenarios built here.

use corridor_calibrate::{
    calibrate_with, settings_yaml_for, validate_with, CalibrateOptions, NaiveModel, Objective,
    ParamRange, ValidateOptions,
};
use corridor_ensemble::member_seed;
use corridor_model::metrics;
use corridor_model::{
    simulate, CampData, Date, Location, LocationKind, RunOptions, Scenario, Series,
};
use std::path::Path;

fn mali() -> Scenario {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012");
    corridor_io::flee::read_flee_instance(&dir)
        .unwrap()
        .scenario
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn mali2012_validation_3_runs_30_days() {
    let s = mali();
    let mut opts = ValidateOptions::new(3, 42);
    opts.days = Some(30);
    let v = in_pool(2, || validate_with(&s, &opts)).unwrap();
    assert_eq!((v.runs, v.days, v.seed), (3, 30, 42));
    assert_eq!(v.ard.values.len(), 3);
    for x in v.ard.values.iter().chain(&v.ard_rescaled.values) {
        assert!(x.is_finite() && *x >= 0.0, "{x}");
    }
    assert!(v.ard.mean.is_finite() && v.ard.sd.is_finite());
    // The members are exactly the runs `member_seed(42, i)`.
    for i in 0..3 {
        let ro = RunOptions {
            seed: member_seed(42, i),
            days: Some(30),
            ..Default::default()
        };
        let run = simulate(&s, &ro).unwrap();
        let m = metrics::validate(&s, &run).unwrap();
        assert_eq!(v.ard.values[i], m.ard);
        assert_eq!(v.ard_rescaled.values[i], m.ard_rescaled);
    }
    // Seven camps, each with data and finite errors.
    assert_eq!(v.per_camp.len(), s.camp_locations().len());
    let first = &s.locations[s.camp_locations()[0]].name;
    assert_eq!(&v.per_camp[0].camp, first);
    for c in &v.per_camp {
        assert!(c.mean_abs_diff.mean.unwrap().is_finite());
        // Niamey has no refugees in the first 30 days: no relative error there.
        if c.total_data > 0.0 {
            assert!(c.relative_diff.mean.unwrap().is_finite(), "{}", c.camp);
        } else {
            assert_eq!(c.relative_diff.mean, None, "{}", c.camp);
        }
    }
    assert!(v.per_camp.iter().filter(|c| c.total_data > 0.0).count() >= 3);
    // Day-7 baselines exist; 30 days leave nothing after a day-30 anchor.
    for m in NaiveModel::ALL {
        let b7 = v.baseline(m, 7).unwrap();
        assert!(b7.mase.mean.unwrap().is_finite() && b7.mase.mean.unwrap() > 0.0);
        assert!(b7.camps_used > 0);
        assert_eq!(v.baseline(m, 30).unwrap().mase.mean, None);
    }
    // Identical whatever the thread count.
    let one = in_pool(1, || validate_with(&s, &opts)).unwrap();
    assert_eq!(one, v);
    let json: serde_json::Value = serde_json::from_str(&v.to_json()).unwrap();
    assert_eq!(json["ard"]["values"].as_array().unwrap().len(), 3);
    assert_eq!(json["baselines"][1]["anchor_day"], 30);
    assert!(json["baselines"][1]["mase"]["mean"].is_null());
    let table = v.to_string();
    assert!(table.contains("ARD rescaled"), "{table}");
    assert!(
        table.contains("Bobo-Dioulasso") && table.contains(first.as_str()),
        "{table}"
    );
    assert!(table.contains("sloped"), "{table}");
}

/// Conflict zone A → town B → camps C (near) and D (far); spawning follows the
/// camp data (Flee's default, data-driven). `conflict_movechance` is set so low
/// that few people leave A within the run: the "shipped" settings are poor. The
/// rescaled ARD barely sees that (it rescales the camp total), the plain ARD does.
fn instance(name: &str, far_km: f64) -> Scenario {
    let mut s = Scenario::new(name, Date::parse("2015-01-01").unwrap(), 30);
    let a = s.add_location(Location::new("A", LocationKind::ConflictZone));
    s.locations[a].population = 50_000;
    s.add_location(Location::new("B", LocationKind::Town));
    let c = s.add_location(Location::new("C", LocationKind::Camp));
    let d = s.add_location(Location::new("D", LocationKind::Camp));
    s.link("A", "B", 80.0);
    s.link("B", "C", 60.0);
    s.link("B", "D", far_km);
    s.settings.move_rules.conflict_movechance = 0.02;
    s.data.camps = vec![
        CampData {
            location: c,
            series: Series::new(vec![(0, 0.0), (30, 600.0)]),
        },
        CampData {
            location: d,
            series: Series::new(vec![(0, 0.0), (30, 300.0)]),
        },
    ];
    s.data.total = Series::new(vec![(0, 0.0), (30, 900.0)]);
    s
}

fn movechance() -> Vec<ParamRange> {
    vec![ParamRange {
        name: "move_rules.conflict_movechance".into(),
        low: 0.01,
        high: 1.0,
    }]
}

#[test]
fn calibration_improves_poor_settings_in_and_out_of_sample() {
    let instances = vec![instance("near", 150.0), instance("far", 260.0)];
    let mut opts = CalibrateOptions::new(12, 1, 7, true);
    opts.objective = Objective::Ard;
    opts.population = Some(4);
    opts.eval_runs = 2;
    let run = |threads| {
        in_pool(threads, || {
            calibrate_with(&instances, &movechance(), &opts, &|_| {})
        })
    };
    let c = run(2).unwrap();
    assert_eq!(c.population, 4);
    assert_eq!(c.generations, 3);
    // 3 folds (all, near, far) × 12 evaluations.
    assert_eq!(c.trace.len(), 36);
    assert_eq!(c.trace.iter().filter(|r| r.fold == "far").count(), 12);
    let p = &c.params[0];
    assert_eq!(p.shipped, 0.02);
    assert!(p.calibrated > 0.2, "calibrated {}", p.calibrated);
    let (shipped, calibrated) = c.in_sample_means();
    assert!(
        calibrated < shipped - 0.2,
        "in sample {shipped} -> {calibrated}"
    );
    let (shipped, calibrated) = c.leave_one_out_means().unwrap();
    assert!(
        calibrated < shipped - 0.2,
        "out of sample {shipped} -> {calibrated}"
    );
    for f in &c.leave_one_out {
        assert_eq!(
            f.shipped,
            c.in_sample
                .iter()
                .find(|s| s.instance == f.held_out)
                .unwrap()
                .shipped
        );
    }
    // The YAML carries the calibrated value and reads back to the base settings
    // with that value.
    let (settings, warnings) =
        corridor_io::yaml::parse_settings(c.settings_yaml.as_bytes(), "simsetting.yml").unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(settings.move_rules.conflict_movechance, p.calibrated);
    let mut expected = instances[0].settings.clone();
    expected.move_rules.conflict_movechance = p.calibrated;
    assert_eq!(settings, expected);
    assert!(c
        .settings_yaml
        .contains("# calibrated in [0.01, 1.0]; shipped 0.02"));
    // Carried over to another base (here: a coarse-grained one).
    let mut other = instances[1].clone();
    other.settings.optimisations.hasten = 10;
    let y = settings_yaml_for(&other, &c).unwrap();
    let (settings, _) = corridor_io::yaml::parse_settings(y.as_bytes(), "x.yml").unwrap();
    assert_eq!(settings.optimisations.hasten, 10);
    assert_eq!(settings.move_rules.conflict_movechance, p.calibrated);
    assert!(y.contains("# Base settings: those of far."), "{y}");
    // trace.csv: header and one row per evaluation.
    let csv = c.trace_csv();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("fold,generation,candidate,move_rules.conflict_movechance,objective")
    );
    assert_eq!(lines.count(), 36);
    // Same outputs with one thread.
    let one = run(1).unwrap();
    assert_eq!(one.trace_csv(), csv);
    assert_eq!(one.to_json(), c.to_json());
    assert_eq!(one.settings_yaml, c.settings_yaml);
    // Files.
    let dir = tempfile::tempdir().unwrap();
    let written = c.write_dir(&dir.path().join("cal")).unwrap();
    assert_eq!(written.len(), 3);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&written[2]).unwrap()).unwrap();
    assert_eq!(json["objective"], "ard");
    assert_eq!(json["leave_one_out"].as_array().unwrap().len(), 2);
}

#[test]
fn tiny_calibration_on_mali2012_runs_end_to_end() {
    let mut s = mali();
    s.days = 20;
    let params = vec![
        ParamRange {
            name: "move_rules.max_move_speed".into(),
            low: 50.0,
            high: 400.0,
        },
        ParamRange {
            name: "move_rules.awareness_level".into(),
            low: 0.0,
            high: 3.0,
        },
    ];
    let mut opts = CalibrateOptions::new(4, 1, 3, false);
    opts.eval_runs = 1;
    opts.population = Some(4);
    let c = calibrate_with(&[s], &params, &opts, &|_| {}).unwrap();
    assert_eq!(c.trace.len(), 4);
    assert!(c.trace.iter().all(|r| r.objective.is_finite()));
    // Integer settings are recorded as set: rounded.
    assert!(c.trace.iter().all(|r| r.params[1].fract() == 0.0));
    assert_eq!(c.params[0].shipped, 200.0);
    assert!(c.in_sample[0].calibrated.ard_rescaled.is_finite());
    assert!(c.leave_one_out.is_empty());
    assert!(c.settings_yaml.contains("  max_move_speed: "));
}

#[test]
fn bad_calibration_options_are_errors() {
    let instances = vec![instance("near", 150.0)];
    let opts = CalibrateOptions::new(4, 1, 1, true);
    let e = calibrate_with(&instances, &movechance(), &opts, &|_| {}).unwrap_err();
    assert!(e.to_string().contains("leave_one_out"), "{e}");
    let opts = CalibrateOptions::new(4, 1, 1, false);
    let bad = vec![ParamRange {
        name: "move_rules.conflict_movechance".into(),
        low: 0.5,
        high: 1.5,
    }];
    let e = calibrate_with(&instances, &bad, &opts, &|_| {}).unwrap_err();
    assert!(
        e.to_string().contains("move_rules.conflict_movechance"),
        "{e}"
    );
    let unknown = vec![ParamRange {
        name: "move_rules.nope".into(),
        low: 0.0,
        high: 1.0,
    }];
    let e = calibrate_with(&instances, &unknown, &opts, &|_| {}).unwrap_err();
    assert!(e.to_string().contains("unknown parameter"), "{e}");
    let mut no_data = instance("x", 100.0);
    no_data.data.camps.clear();
    let e = calibrate_with(&[no_data], &movechance(), &opts, &|_| {}).unwrap_err();
    assert!(e.to_string().contains("no observed camp data"), "{e}");
}

/// The built-in corridor scenario against CBP's monthly encounters, Jul–Sep 2023
/// (its calibration months), and a tiny search with that comparison as objective.
/// Read with `hasten = 20` (one agent per 20 people) to keep the test quick.
#[test]
fn mexico_2023_encounters_as_an_objective() {
    use corridor_calibrate::{
        compare_encounters, complete_months, generation_seed, monthly_rows, search, CompareOptions,
        SearchOptions,
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/mexico-2023");
    let text = std::fs::read_to_string(dir.join("scenario.toml")).unwrap();
    assert!(!text.contains("optimisations.hasten"));
    let text = text.replacen("\n[rules]", "\n[rules]\noptimisations.hasten = 20", 1);
    let files = |rel: &str| std::fs::read_to_string(dir.join(rel)).ok();
    let inst = corridor_io::scenario::read_scenario_str("scenario.toml", &text, &files).unwrap();
    assert_eq!(inst.scenario.settings.optimisations.hasten, 20);
    let mut s = inst.scenario;
    s.days = 122; // 2023-06-01 .. 2023-09-30
    let observed =
        corridor_calibrate::read_cbp(&dir.join("data/cbp_monthly_to_2023-09.csv")).unwrap();
    let months: Vec<String> = complete_months(s.start_date, s.days)
        .into_iter()
        .filter(|m| m.as_str() >= "2023-07")
        .collect();
    assert_eq!(months, vec!["2023-07", "2023-08", "2023-09"]);
    let opts = CompareOptions {
        months: Some(months),
        ..Default::default()
    };
    let objective = |x: &[f64], crn: u64| {
        let t = corridor_calibrate::apply_params(
            &s,
            &[ParamRange {
                name: "move_rules.default_movechance".into(),
                low: 0.05,
                high: 1.0,
            }],
            x,
        )?;
        let ro = RunOptions {
            seed: member_seed(crn, 0),
            ..Default::default()
        };
        let run = simulate(&t, &ro).map_err(|source| corridor_calibrate::CalibrateError::Run {
            scenario: t.name.clone(),
            seed: ro.seed,
            source,
        })?;
        let rows = monthly_rows(
            &t.border,
            t.start_date,
            &run.days,
            t.settings.optimisations.hasten,
        );
        Ok(compare_encounters(&rows, &observed, &opts).objective())
    };
    // One comparison by hand: every modelled area in all three months.
    let c = {
        let run = simulate(
            &s,
            &RunOptions {
                seed: member_seed(generation_seed(5, 0), 0),
                ..Default::default()
            },
        )
        .unwrap();
        let rows = monthly_rows(
            &s.border,
            s.start_date,
            &run.days,
            s.settings.optimisations.hasten,
        );
        compare_encounters(&rows, &observed, &opts)
    };
    assert!(!c.cells.is_empty());
    assert!(c.unmatched_areas.is_empty(), "{:?}", c.unmatched_areas);
    assert!(c
        .cells
        .iter()
        .all(|k| k.month.as_str() >= "2023-07" && k.month.as_str() <= "2023-09"));
    assert!(c.ard.unwrap().is_finite() && c.mare.unwrap().is_finite());
    let range = vec![ParamRange {
        name: "move_rules.default_movechance".into(),
        low: 0.05,
        high: 1.0,
    }];
    let mut so = SearchOptions::new(4, 5);
    so.population = Some(4);
    let found = search(&range, &[0.3], &so, objective, &|_| {}).unwrap();
    assert_eq!(found.trace.len(), 4);
    assert!(found.trace.iter().all(|r| r.objective.is_finite()));
}
