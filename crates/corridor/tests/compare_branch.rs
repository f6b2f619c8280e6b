//! `corridor compare` on the count engine branches every variant's members
//! from the base scenario's (`corridor_ensemble::branch`); its files must be
//! byte-identical to those of each variant run in full (`run_variant`, which
//! does not branch): the same runs, so the same bytes.

use corridor::compare::{plan_variants, run_variant, window_start, CompareRequest};
use corridor::input::{load_builtin, load_scenario};
use corridor::run::{OutputFormat, SimOptions};
use corridor::{EngineKind, Input};
use std::path::Path;

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    v
}

fn check(input: &Input, runs: usize, days: Option<u32>) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("compare");
    let req = CompareRequest {
        variants: Vec::new(),
        seed: Some(4),
        runs,
        days,
        engine: EngineKind::Counts,
        out: Some(out.clone()),
        format: OutputFormat::default(),
    };
    let c = corridor::compare(input, &req, &|| {}).unwrap();
    let plan = plan_variants(input, &[]).unwrap();
    let full = tmp.path().join("full");
    std::fs::create_dir_all(&full).unwrap();
    let sim = SimOptions {
        seed: 4,
        days,
        engine: EngineKind::Counts,
    };
    let from = window_start(&plan);
    for (v, got) in plan.iter().zip(&c.variants) {
        let want = run_variant(input, v, &sim, runs, from, &full, OutputFormat::default()).unwrap();
        assert_eq!(got.members.len(), runs);
        assert!(
            format!("{:?}", got.members) == format!("{:?}", want.members),
            "{}: key numbers differ",
            v.name
        );
        let a = files(&out.join(&v.folder));
        let b = files(&full.join(&v.folder));
        assert_eq!(a.len(), b.len(), "{}", v.name);
        assert!(a.len() >= 5, "{}: {} files", v.name, a.len());
        for ((na, xa), (nb, xb)) in a.iter().zip(&b) {
            assert_eq!(na, nb);
            assert!(xa == xb, "{}/{na} differs from the full runs'", v.name);
        }
    }
}

#[test]
fn compare_of_the_example_equals_full_runs() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/variants/scenario.toml");
    check(&load_scenario(&p).unwrap(), 5, None);
}

#[test]
fn compare_of_the_builtin_scenario_equals_full_runs() {
    check(&load_builtin().unwrap(), 2, None);
}
