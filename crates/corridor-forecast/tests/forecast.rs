//! Forecasts on real inputs: nothing after the origin reaches a forecast, runs
//! are reproducible, bands are ordered, variant events before the origin are
//! refused, and a backtest scores every horizon.

use corridor_forecast::{
    backtest, forecast, BacktestSpec, ForecastError, MonthlyObserved, Observed, Spec,
};
use corridor_model::border::{Action, Event};
use corridor_model::scenario::{Closure, ClosureTarget};
use corridor_model::{Date, Scenario};
use std::path::Path;

fn repo(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn mali() -> Scenario {
    corridor_io::flee::read_flee_instance(&repo("tests/data/flee/mali2012"))
        .unwrap()
        .scenario
}

fn spec(sc: &Scenario, origin_day: i64, horizon: u32) -> Spec {
    Spec {
        origin: sc.start_date.add_days(origin_day),
        horizon,
        members: 8,
        seed: 5,
        added_events: vec![],
    }
}

#[test]
fn poisoning_after_the_origin_changes_nothing() {
    let sc = mali();
    let origin = 100;
    let s = spec(&sc, origin, 20);
    let clean = forecast(&sc, &Observed::camps_of(&sc), &s).unwrap();

    // Every observation and driver dated after the origin, changed.
    let mut bad = sc.clone();
    let poison = |pts: &mut Vec<(i64, f64)>| {
        for p in pts.iter_mut().filter(|p| p.0 > origin) {
            p.1 = p.1 * 7.0 + 12_345.0;
        }
        pts.push((origin + 3, 99_999.0));
        pts.sort_by_key(|p| p.0);
    };
    poison(&mut bad.data.total.points);
    for c in &mut bad.data.camps {
        poison(&mut c.series.points);
    }
    let cs = bad.conflicts.as_mut().expect("mali2012 has conflicts.csv");
    for row in cs.intensity.iter_mut().skip(origin as usize + 1) {
        row.iter_mut().for_each(|v| *v = 1.0);
    }
    bad.closures.push(Closure {
        target: ClosureTarget::Location(0),
        start: origin + 2,
        end: origin + 40,
    });
    let poisoned = forecast(&bad, &Observed::camps_of(&bad), &s).unwrap();
    assert_eq!(clean, poisoned);

    // The poison is strong enough to matter when it is before the origin.
    let late = forecast(&bad, &Observed::camps_of(&bad), &spec(&sc, origin + 5, 15)).unwrap();
    let clean_late = forecast(&sc, &Observed::camps_of(&sc), &spec(&sc, origin + 5, 15)).unwrap();
    assert_ne!(late.series, clean_late.series);
}

#[test]
fn forecasts_are_reproducible_and_bands_ordered() {
    let sc = mali();
    let s = spec(&sc, 60, 30);
    let a = forecast(&sc, &Observed::camps_of(&sc), &s).unwrap();
    let b = forecast(&sc, &Observed::camps_of(&sc), &s).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.unit, "days");
    assert!(a.observations_used > 0);
    assert!(!a.ess.is_empty());
    for sf in &a.series {
        assert_eq!(sf.forecast.len(), 30);
        assert_eq!(sf.forecast[0].period, "2012-04-30");
        for band in &sf.forecast {
            assert!(band.p5 <= band.p50 && band.p50 <= band.p95, "{band:?}");
            assert!(band.p5 >= 0.0);
        }
    }
    // Another seed gives other members.
    let c = forecast(&sc, &Observed::camps_of(&sc), &Spec { seed: 6, ..s }).unwrap();
    assert_ne!(a.series, c.series);
}

#[test]
fn members_diverge_after_resampling() {
    // With the origin resampling, copies of one member get new seeds: after a
    // month the members' camp totals are not all equal.
    let sc = mali();
    let f = forecast(&sc, &Observed::camps_of(&sc), &spec(&sc, 90, 30)).unwrap();
    let totals: Vec<f64> = (0..8)
        .map(|k| f.series.iter().map(|s| s.members[29][k]).sum())
        .collect();
    let mut distinct = totals.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    assert!(distinct.len() >= 4, "{totals:?}");
}

fn variants_example() -> Scenario {
    corridor_io::scenario::read_scenario(&repo("examples/variants/scenario.toml"))
        .unwrap()
        .scenario
}

fn monthly_obs() -> Observed {
    let mut m = MonthlyObserved::default();
    m.add(
        "2023-12",
        "Office of Field Operations",
        "Laredo Field Office",
        100.0,
    );
    m.add(
        "2023-12",
        "Office of Field Operations",
        "El Paso Field Office",
        120.0,
    );
    m.add(
        "2023-12",
        "Office of Field Operations",
        "Nowhere Field Office",
        5.0,
    );
    Observed::Monthly(m)
}

#[test]
fn variant_events_before_the_origin_are_refused() {
    let sc = variants_example();
    let origin = Date::parse("2023-12-31").unwrap();
    let mut s = Spec {
        origin,
        horizon: 1,
        members: 4,
        seed: 1,
        added_events: vec![Event {
            day: 10,
            action: Action::ClosePort { port: 0 },
        }],
    };
    let e = forecast(&sc, &monthly_obs(), &s).unwrap_err();
    assert!(matches!(e, ForecastError::EventBeforeOrigin { .. }), "{e}");
    assert!(e.is_bad_input());
    assert!(e.to_string().contains("2023-12-31"), "{e}");
    // After the origin it is a what-if: accepted, and it changes the forecast of
    // the closed port's field office.
    s.added_events[0].day = 31;
    let closed = forecast(&sc, &monthly_obs(), &s).unwrap();
    s.added_events.clear();
    let open = forecast(&sc, &monthly_obs(), &s).unwrap();
    assert_eq!(closed.unit, "months");
    assert_eq!(
        closed.unmatched,
        vec!["Office of Field Operations, Nowhere Field Office"]
    );
    let laredo = |f: &corridor_forecast::Forecast| {
        f.series
            .iter()
            .find(|s| s.name == "Laredo Field Office")
            .unwrap()
            .forecast[0]
            .mean
    };
    assert_eq!(closed.series[0].forecast[0].period, "2024-01");
    assert!(
        laredo(&closed) < laredo(&open),
        "{} vs {}",
        laredo(&closed),
        laredo(&open)
    );
}

#[test]
fn backtest_scores_each_horizon() {
    let sc = mali();
    let origins = [60, 120].map(|d| sc.start_date.add_days(d)).to_vec();
    let bt = backtest(
        &sc,
        &Observed::camps_of(&sc),
        &BacktestSpec {
            origins,
            horizons: vec![10, 30],
            members: 6,
            seed: 2,
        },
        &|| {},
    )
    .unwrap();
    assert_eq!(bt.skill.len(), 2);
    for h in &bt.skill {
        assert!(h.outcomes > 0);
        assert!(h.mae_ratio.is_finite() && h.mae_ratio > 0.0);
        assert!((0.0..=1.0).contains(&h.coverage));
        assert!(h.crps >= 0.0);
        // mali2012 is shorter than a year: seasonal naive never exists.
        assert_eq!(h.seasonal_mae_ratio, None);
        assert!(h.plain_mae_ratio.is_some());
    }
}

#[test]
fn scenario_drivers_after_the_origin_change_nothing() {
    let sc = variants_example();
    let origin = Date::parse("2023-12-31").unwrap();
    let s = Spec {
        origin,
        horizon: 1,
        members: 4,
        seed: 3,
        added_events: vec![],
    };
    let clean = forecast(&sc, &monthly_obs(), &s).unwrap();
    let day = origin.days_since(sc.start_date);
    let mut bad = sc.clone();
    for f in &mut bad.border.inflows {
        f.series.points.retain(|p| p.0 <= day);
        f.series.points.push((day + 1, 5_000.0));
        f.series.points.push((day + 20, 9_000.0));
    }
    bad.border.events.push(Event {
        day: day as u32 + 1,
        action: Action::ClosePort { port: 1 },
    });
    let poisoned = forecast(&bad, &monthly_obs(), &s).unwrap();
    assert_eq!(clean, poisoned);
}

/// The point forecast now also reads the observed series itself (persistence,
/// its damped trend, the spread of its changes): months after the origin must
/// not reach it, months before it must.
#[test]
fn monthly_observations_after_the_origin_change_nothing() {
    let sc = variants_example();
    let origin = Date::parse("2023-12-31").unwrap();
    let s = Spec {
        origin,
        horizon: 2,
        members: 4,
        seed: 3,
        added_events: vec![],
    };
    let history = |later: f64, earlier: f64| {
        let mut m = MonthlyObserved::default();
        for (month, n) in [
            ("2023-10", earlier),
            ("2023-11", 90.0),
            ("2023-12", 100.0),
            ("2024-01", later),
            ("2024-02", later * 3.0),
        ] {
            m.add(
                month,
                "Office of Field Operations",
                "Laredo Field Office",
                n,
            );
        }
        Observed::Monthly(m)
    };
    let clean = forecast(&sc, &history(110.0, 80.0), &s).unwrap();
    let poisoned = forecast(&sc, &history(99_999.0, 80.0), &s).unwrap();
    assert_eq!(clean, poisoned);
    // October is before the origin: changing it changes the trend and spread.
    let before = forecast(&sc, &history(110.0, 10.0), &s).unwrap();
    assert_ne!(clean.series, before.series);
}
