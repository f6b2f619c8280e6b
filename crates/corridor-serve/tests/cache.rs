//! The what-if server's caches never change an answer: for random sequences
//! of requests (scenario variants, policy dates, lever values, first looks
//! and full answers, with or without the warm-up first), every answer of one
//! server — which reuses baselines, partial baselines and their kept runs,
//! member states at earlier dates (advanced), the base scenario's states for
//! variants, and first looks' runs — equals the answer a fresh server gives
//! to that request alone. examples/variants, 4 members, 30 days: each answer
//! takes milliseconds.

use corridor_serve::{App, Config, Settings};
use proptest::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// The example's variants: none, one without events, one whose events come
/// after every date below (its states are the base's), one with an event on
/// 2023-12-10 (between the dates: states of its own from the later ones).
const VARIANTS: [Option<&str>; 4] = [
    None,
    Some("baseline"),
    Some("ports_stay_closed"),
    Some("stronger_containment"),
];
/// Policy dates (none: the scenario's start, nothing branches).
const DATES: [Option<&str>; 4] = [
    None,
    Some("2023-12-04"),
    Some("2023-12-12"),
    Some("2023-12-20"),
];
/// Containment factors (none: untouched).
const CONTAINMENT: [Option<f64>; 3] = [None, Some(0.4), Some(1.5)];

fn app() -> Arc<App> {
    let input = corridor::load(Some(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/variants"),
    ))
    .unwrap();
    App::new(
        input,
        Config {
            default_members: 4,
            ..Config::default()
        },
    )
    .unwrap()
}

fn settings(variant: usize, date: usize, containment: usize) -> Settings {
    let mut j = serde_json::json!({"members": 4, "days": 30});
    if let Some(v) = VARIANTS[variant] {
        j["variant"] = v.into();
    }
    if let Some(d) = DATES[date] {
        j["policy_from"] = d.into();
    }
    if let Some(c) = CONTAINMENT[containment] {
        j["containment"] = c.into();
    }
    serde_json::from_value(j).unwrap()
}

fn answer(app: &App, s: &Settings, look: bool) -> serde_json::Value {
    let k = look.then(|| app.first_look_size(4).unwrap());
    let t = Arc::new(corridor::CancelToken::new());
    serde_json::to_value(app.answer(s, k, &t).unwrap().unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn cached_answers_equal_fresh_servers_answers(
        warm in any::<bool>(),
        requests in prop::collection::vec((0..4usize, 0..4usize, 0..3usize, any::<bool>()), 1..7),
    ) {
        let server = app();
        if warm {
            server.warm_up().unwrap();
        }
        for (v, d, c, look) in requests {
            let s = settings(v, d, c);
            let got = answer(&server, &s, look);
            let want = answer(&app(), &s, look);
            prop_assert_eq!(got, want, "{:?}, first look {}", s, look);
        }
    }
}
