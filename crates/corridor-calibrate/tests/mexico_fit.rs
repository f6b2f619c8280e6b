//! The built-in scenario's fit in its calibration window, asserted in CI: the ARD of monthly
//! encounters over the (month, component, area) cells of Jul–Sep 2023 against CBP's counts
//! shipped with the scenario (scenarios/mexico-2023/SOURCES.md records 0.167 for the shipped
//! parameters, seed 20231224; 0.166 measured here). One run with the scenario's own seed. The
//! bound 0.22 lies between the shipped fit and the uncalibrated 0.270: it leaves room for engine
//! changes that keep the law but not the draws, and fails if the calibration is lost.

use corridor_calibrate::encounters::ObservedEncounters;
use corridor_calibrate::scenario_cal::score_scenario;
use std::path::PathBuf;

#[test]
fn mexico_2023_fits_cbp_in_its_calibration_window() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/mexico-2023");
    let inst = corridor_io::scenario::read_scenario(&dir.join("scenario.toml")).unwrap();
    let observed =
        ObservedEncounters::read_cbp(&dir.join("data/cbp_monthly_to_2023-09.csv")).unwrap();
    let months: Vec<String> = ["2023-07", "2023-08", "2023-09"].map(String::from).to_vec();
    let seed = inst.seed.expect("the built-in scenario names its seed");
    let c = score_scenario(&inst.scenario, &observed, &months, 1, seed).unwrap();
    let ard = c.ard.expect("observed cells");
    println!(
        "Jul-Sep 2023 cell ARD {ard:.3} over {} cells",
        c.cells.len()
    );
    assert_eq!(c.cells.len(), 39, "9 sectors + 4 field offices × 3 months");
    assert!(ard < 0.22, "cell ARD {ard:.3} (shipped fit: 0.167)");
}
