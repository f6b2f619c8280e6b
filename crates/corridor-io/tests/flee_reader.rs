//! Reading Flee instances: the four real instances and Flee's own test data, with
//! numbers checked by hand against the CSV files, and every reader path on small
//! instances written to temporary directories (derived from `tests/bad-inputs/_base`).

use corridor_io::error::InputError;
use corridor_io::flee::{is_flee_instance, read_flee_instance, FleeInstance};
use corridor_model::settings::SpawnMode;
use corridor_model::{ClosureTarget, Date, LocationKind, Scenario};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn flee(name: &str) -> PathBuf {
    repo().join("tests/data/flee").join(name)
}

fn read(name: &str) -> FleeInstance {
    read_flee_instance(&flee(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn loc<'a>(s: &'a Scenario, name: &str) -> &'a corridor_model::Location {
    &s.locations[s
        .location_index(name)
        .unwrap_or_else(|| panic!("no {name}"))]
}

fn series<'a>(s: &'a Scenario, camp: &str) -> &'a corridor_model::Series {
    s.data.camp(s.location_index(camp).unwrap()).unwrap()
}

fn link_km(s: &Scenario, a: &str, b: &str) -> f64 {
    let (i, j) = (s.location_index(a).unwrap(), s.location_index(b).unwrap());
    s.links
        .iter()
        .find(|l| (l.from, l.to) == (i, j) || (l.from, l.to) == (j, i))
        .unwrap()
        .distance_km
}

#[test]
fn mali2012() {
    let fi = read("mali2012");
    let s = &fi.scenario;
    assert_eq!(s.name, "mali2012");
    assert_eq!(s.start_date, date("2012-02-29"));
    assert_eq!(s.days, 300);
    assert_eq!(s.locations.len(), 23);
    assert_eq!(s.links.len(), 35);
    assert_eq!(s.camp_locations().len(), 7);
    assert!(fi.warnings.is_empty(), "{:?}", fi.warnings);

    let kidal = loc(s, "Kidal");
    assert_eq!(kidal.kind, LocationKind::ConflictZone);
    assert_eq!(kidal.conflict_date, Some(0));
    assert_eq!(kidal.population, 25617);
    assert_eq!((kidal.lat, kidal.lon), (18.444305, 1.401523));
    assert_eq!((kidal.country.as_str(), kidal.foreign), ("Mali", false));
    assert_eq!(loc(s, "Menaka").conflict_date, Some(1));
    let mopti = loc(s, "Mopti");
    assert_eq!(
        (mopti.kind, mopti.population, mopti.conflict_date),
        (LocationKind::Town, 148456, None)
    );
    let fm = loc(s, "Fassala-Mbera");
    assert_eq!(fm.kind, LocationKind::Camp);
    assert_eq!(
        (fm.capacity, fm.population, fm.foreign),
        (Some(75882), 0, true)
    );
    assert_eq!(fm.region, "Hodh_Ech");

    assert_eq!(link_km(s, "Douentza", "Mentao"), 487.0);
    assert_eq!(link_km(s, "Gao", "Bourem"), 97.0);

    assert_eq!(
        s.closures[0].target,
        ClosureTarget::Country {
            a: "Mali".into(),
            b: "Burkina_Faso".into()
        }
    );
    assert_eq!((s.closures[0].start, s.closures[0].end), (0, 22));
    assert_eq!((s.closures[1].start, s.closures[1].end), (0, 33));

    let c = s.conflicts.as_ref().unwrap();
    assert_eq!((c.locations.len(), c.intensity.len()), (23, 300));
    assert_eq!(c.locations[0], s.location_index("Kidal").unwrap());
    assert_eq!(c.locations[1], s.location_index("Gao").unwrap());
    assert_eq!((c.intensity[0][0], c.intensity[0][1]), (1.0, 0.0));
    // Gao's column turns to 1 on the row of day 23 (and Gao's conflict_date is 23).
    assert_eq!((c.intensity[22][1], c.intensity[23][1]), (0.0, 1.0));

    // data_layout order.
    let order: Vec<&str> = s
        .data
        .camps
        .iter()
        .map(|c| s.locations[c.location].name.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "Bobo-Dioulasso",
            "Mentao",
            "Fassala-Mbera",
            "Abala",
            "Mangaize",
            "Tabareybarey",
            "Niamey"
        ]
    );
    // refugees.csv: 2012-02-29,20075.
    assert_eq!(s.data.total.value_at(0), 20075);
    // bf-bobo.csv: 2012-03-24 (day 24),950; no correction for Bobo.
    assert_eq!(series(s, "Bobo-Dioulasso").value_at(24), 950);
    // Mentao corrected on 2012-10-03 (5876, previous point 10038 on 2012-07-26):
    // 2012-05-18 (day 79) 8820 × 5876/10038 = 5163.01; day 100 interpolates the
    // corrected points: 5163.01 + (5876 − 5163.01) × 21/69 = 5380.01.
    let mentao = series(s, "Mentao");
    assert_eq!(mentao.value_at(79), 5163);
    assert_eq!(mentao.value_at(100), 5380);
    assert_eq!(mentao.value_at(217), 5876);
    // Abala corrected on 2012-12-21 (11043 after 18573): day 0 1175 × 11043/18573 = 698.6.
    assert_eq!(series(s, "Abala").value_at(0), 698);

    let m = &s.settings.move_rules;
    assert_eq!(
        (m.max_move_speed, m.camp_weight, m.default_movechance),
        (200.0, 2.0, 0.5)
    );
    assert_eq!(
        (m.capacity_scaling, m.start_on_foot, m.avoid_short_stints),
        (1.25, true, true)
    );
    assert_eq!(m.conflict_weight, 1.0 / 10f64.sqrt());
    assert_eq!(
        s.settings.spawn_rules.conflict_spawn_decay,
        Some(vec![1.0, 1.0, 1.0, 0.5, 0.1])
    );
    assert_eq!(s.settings.optimisations.hasten, 1);

    // Every file read, sorted, hashed.
    let paths: Vec<&str> = fi.inputs.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(fi.inputs.len(), 16);
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    for p in [
        "simsetting.yml",
        "input_csv/locations.csv",
        "source_data/refugees.csv",
        "source_data/nig-niamey.csv",
    ] {
        assert!(paths.contains(&p), "{p} missing from {paths:?}");
    }
    assert!(!paths.contains(&"source_data/tribes.csv"));
    let sim = fi
        .inputs
        .iter()
        .find(|f| f.path == "input_csv/sim_period.csv")
        .unwrap();
    let bytes = std::fs::read(flee("mali2012/input_csv/sim_period.csv")).unwrap();
    let hex: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sim.sha256, hex);
}

#[test]
fn burundi2015() {
    let fi = read("burundi2015");
    let s = &fi.scenario;
    assert_eq!((s.start_date, s.days), (date("2015-05-01"), 396));
    assert_eq!(
        (s.locations.len(), s.links.len(), s.camp_locations().len()),
        (30, 41, 5)
    );
    assert!(fi.warnings.is_empty(), "{:?}", fi.warnings);
    assert_eq!(loc(s, "Kagunga").kind, LocationKind::ForwardingHub);
    assert_eq!(loc(s, "Kabarore").conflict_date, Some(71));
    // Towns with an empty population column.
    assert_eq!(loc(s, "Bubanza").population, 0);
    assert_eq!(loc(s, "Gisuru").region, "Ruyigi"); // "Ruyigi " trimmed
    assert_eq!(loc(s, "Nyarugusu").capacity, Some(100925));
    assert_eq!(link_km(s, "Bujumbura", "Bubanza"), 48.0);
    // Empty and explicit forced_redirection.
    let (nd, ny) = (
        s.location_index("Nduta").unwrap(),
        s.location_index("Nyarugusu").unwrap(),
    );
    let l = s.links.iter().find(|l| (l.from, l.to) == (nd, ny)).unwrap();
    assert_eq!((l.distance_km, l.forced_redirection), (150.0, 2));
    assert_eq!(s.links[0].forced_redirection, 0);
    let targets: Vec<&ClosureTarget> = s.closures.iter().map(|c| &c.target).collect();
    let bu = s.location_index("Bujumbura").unwrap();
    let lu = s.location_index("Lusenda").unwrap();
    assert_eq!(
        targets,
        [
            &ClosureTarget::Location(bu),
            &ClosureTarget::RemoveForcedRedirection(nd, ny),
            &ClosureTarget::Camp(nd),
            &ClosureTarget::Camp(lu),
        ]
    );
    assert_eq!((s.closures[1].start, s.closures[1].end), (101, 0));
    // The header's trailing comma adds no column.
    assert_eq!(s.conflicts.as_ref().unwrap().locations.len(), 30);
}

#[test]
fn car2013() {
    let fi = read("car2013");
    let s = &fi.scenario;
    assert_eq!((s.start_date, s.days), (date("2013-12-01"), 820));
    assert_eq!(
        (s.locations.len(), s.links.len(), s.camp_locations().len()),
        (63, 86, 14)
    );
    // Bossobolo has data but no location: Flee never asks for it.
    assert_eq!(
        fi.warnings,
        ["source_data/data_layout.csv:10: 'Bossobolo' is not a location in input_csv/locations.csv; its data is not used"]
    );
    assert_eq!(s.data.camps.len(), 14);
    // "Kaga Bandoro" (with a space) is matched in routes and conflicts.
    assert_eq!(link_km(s, "Kabo", "Kaga Bandoro"), 107.0);
    let kb = s.location_index("Kaga Bandoro").unwrap();
    assert!(s.conflicts.as_ref().unwrap().locations.contains(&kb));
    // Mboti sums two files (CRLF, tab after a count): 2013-12-04 410 + 6095;
    // 2014-06-30 (day 211) 478 + outside interpolated 6116 − 58·144/195 = 6551.17.
    let mboti = series(s, "Mboti");
    assert_eq!(mboti.value_at(0), 0);
    assert_eq!(mboti.value_at(3), 6505);
    assert_eq!(mboti.value_at(67), 458 + 6116);
    assert_eq!(mboti.value_at(211), 6551);
    assert_eq!(loc(s, "Mboti").capacity, Some(704));
    assert!(fi
        .inputs
        .iter()
        .any(|f| f.path == "source_data/dcon-mboti-outside.csv"));
    assert!(fi
        .inputs
        .iter()
        .any(|f| f.path == "source_data/dcon-bossobolo.csv"));
}

#[test]
fn ssudan2013() {
    let fi = read("ssudan2013");
    let s = &fi.scenario;
    assert_eq!((s.start_date, s.days), (date("2013-12-15"), 604));
    assert_eq!(
        (s.locations.len(), s.links.len(), s.camp_locations().len()),
        (51, 60, 10)
    );
    assert!(fi.warnings.is_empty(), "{:?}", fi.warnings);
    let t = s.location_index("Tierkidi").unwrap();
    assert_eq!(s.closures[0].target, ClosureTarget::Location(t));
    assert_eq!((s.closures[0].start, s.closures[0].end), (0, 73));
    // Kule corrected on 2014-09-12 (45597 after 50453): 2014-05-30 (day 166)
    // 7660 × 45597/50453 = 6922.7.
    let kule = series(s, "Kule");
    assert_eq!(kule.value_at(166), 6922);
    assert_eq!(kule.value_at(271), 45597);
    assert_eq!(loc(s, "Khartoum").lat, 15.0);
}

#[test]
fn flee_test_data_flat_layout() {
    let dir = flee("flee-test-data/test_input_csv");
    assert!(is_flee_instance(&dir));
    let fi = read_flee_instance(&dir).unwrap();
    let s = &fi.scenario;
    assert_eq!((s.start_date, s.days), (date("2020-01-01"), 10));
    assert_eq!(s.settings.optimisations.hasten, 5);
    assert_eq!((s.locations.len(), s.links.len()), (7, 9));
    // Quoted fields; populations and capacities divided by hasten.
    assert_eq!(loc(s, "A").population, 200_000_000 / 5);
    assert_eq!(loc(s, "B").conflict_date, Some(10));
    assert_eq!(loc(s, "C").population, 0);
    assert_eq!(loc(s, "C").conflict_date, None);
    assert_eq!(loc(s, "D").capacity, Some(6000));
    assert!(loc(s, "D").foreign);
    // Data from refugee_data/, all before the start: the last value held (3000/5).
    assert_eq!(series(s, "D").value_at(0), 600);
    assert_eq!(series(s, "F").value_at(5), 200);
    assert_eq!(s.data.total.value_at(0), 1200);
    assert!(fi.inputs.iter().any(|f| f.path == "refugee_data/D.csv"));
    for f in [
        "location_changes.csv",
        "agents.csv",
        "region_attributes_IPC.csv",
        "major_routes.csv",
    ] {
        let w = format!("{f} is not supported by corridor and was ignored");
        assert!(fi.warnings.contains(&w), "{w} not in {:?}", fi.warnings);
    }
    assert_eq!(fi.warnings.len(), 4);
}

#[test]
fn flee_test_data_with_demographics() {
    let fi = read("flee-test-data/test_data_idp");
    let s = &fi.scenario;
    assert!(s.settings.move_rules.match_camp_ethnicity);
    assert!(s.settings.move_rules.match_camp_religion);
    assert!(!s.settings.move_rules.match_conflict_ethnicity);
    assert_eq!(s.settings.move_rules.harvest_months, vec![6, 11]);
    assert_eq!(
        fi.warnings,
        ["simsetting.yml:6: move_rules.harvest_months is set but not supported by corridor; it has no effect"]
    );
    // Custom attributes from the '#' header row with more than 8 columns.
    let a = loc(s, "A");
    assert_eq!(
        a.attributes.get("ethntypeA").map(String::as_str),
        Some("19000")
    );
    assert_eq!(
        a.attributes.get("farmer_fraction").map(String::as_str),
        Some("0.5")
    );
    assert_eq!(loc(s, "D").capacity, Some(6000));
    // Data from input_csv/refugee_data, not the top-level data_layout.csv.
    assert!(fi
        .inputs
        .iter()
        .any(|f| f.path == "input_csv/refugee_data/D.csv"));
    assert_eq!(series(s, "D").value_at(0), 6000);
    let d = &s.demographics;
    assert_eq!(d.len(), 2);
    assert_eq!(d[0].attribute, "ethnicity");
    assert_eq!(d[0].values, ["ethntypeA", "ethntypeB"]);
    assert_eq!(d[0].default_weights, [1.0, 0.0]);
    assert_eq!(d[1].attribute, "religion");
    assert_eq!(d[1].values, ["christian", "muslim", "other_religion"]);
    assert_eq!(d[1].default_weights, [0.7, 0.2, 0.1]);
    let b = s.location_index("B").unwrap();
    assert_eq!(d[1].per_location[1], (b, vec![0.4, 0.5, 0.1]));
}

#[test]
fn flee_test_data_root_is_not_an_instance() {
    let dir = flee("flee-test-data");
    assert!(!is_flee_instance(&dir));
    match read_flee_instance(&dir) {
        Err(InputError::NotAnInstance { .. }) => {}
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(
        read_flee_instance(&flee("no-such-dir")),
        Err(InputError::NotAnInstance { .. })
    ));
}

// ---- reader paths on small instances ---------------------------------------

/// The valid base instance of the bad-inputs corpus, as (relative path, text).
fn base_files() -> Vec<(String, String)> {
    let base = repo().join("tests/bad-inputs/_base");
    let mut out = Vec::new();
    for sub in ["", "input_csv", "source_data"] {
        for e in std::fs::read_dir(base.join(sub)).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                let rel = Path::new(sub)
                    .join(e.file_name())
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read_to_string(e.path()).unwrap()));
            }
        }
    }
    out
}

/// Writes the base instance with `changes` (path → new content, `None` = delete).
fn instance(changes: &[(&str, Option<&str>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut files = base_files();
    for (path, content) in changes {
        files.retain(|(p, _)| p != path);
        if let Some(c) = content {
            files.push((path.to_string(), c.to_string()));
        }
    }
    for (p, c) in files {
        let full = dir.path().join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, c).unwrap();
    }
    dir
}

fn ok(changes: &[(&str, Option<&str>)]) -> FleeInstance {
    let d = instance(changes);
    read_flee_instance(d.path()).unwrap_or_else(|e| panic!("{e}"))
}

fn err(changes: &[(&str, Option<&str>)]) -> String {
    let d = instance(changes);
    match read_flee_instance(d.path()) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

const LOC: &str = "input_csv/locations.csv";

#[test]
fn base_instance_values() {
    let fi = ok(&[]);
    let s = &fi.scenario;
    assert!(fi.warnings.is_empty(), "{:?}", fi.warnings);
    assert_eq!((s.start_date, s.days), (date("2020-01-01"), 10));
    assert_eq!(loc(s, "A").population, 1000);
    assert_eq!(loc(s, "C").capacity, Some(2000));
    // D's capacity 0 means unlimited.
    assert_eq!(loc(s, "D").capacity, None);
    assert!(loc(s, "C").foreign && !loc(s, "B").foreign);
    // c.csv corrected on 2020-01-06 (150 after 100): earlier points × 1.5.
    let c = series(s, "C");
    assert_eq!(
        c.points,
        vec![(0, 0.0), (2, 150.0), (5, 150.0), (10, 400.0)]
    );
    // d.csv has a "Date,count" header row.
    assert_eq!(series(s, "D").points, vec![(0, 0.0), (10, 200.0)]);
    assert_eq!(s.conflicts.as_ref().unwrap().intensity[5], vec![1.0, 1.0]);
    assert_eq!(s.settings.move_rules.max_move_speed, 200.0);
    assert_eq!(fi.inputs.len(), 11);
}

#[test]
fn bom_crlf_blank_lines_spaces_and_comments_are_accepted() {
    let messy = "\u{feff}#name,region,country,lat,lon,location_type,conflict_date,population\r\n\r\n# a comment row\r\n A , North ,Aland, 10.0 ,20.0, conflict_zone ,0, 1000 \r\n\"B\",\"North\",\"Aland\",10.5,20.5,\"town\",,500\r\n\r\nC,South,Bland,11.0,21.0,camp,,2000\r\nD,South,Bland,11.2,21.2,camp,,0\r\n\r\n\r\n";
    let fi = ok(&[(LOC, Some(messy))]);
    let reference = ok(&[]);
    assert_eq!(fi.scenario.locations, reference.scenario.locations);
}

#[test]
fn hasten_divides_populations_capacities_attributes_and_data() {
    let locs = "#name,region,country,lat,lon,location_type,conflict_date,population,conflict_intensity,initial_idps,capacity_per_day\nA,North,Aland,10,20,conflict_zone,0,1003,0.5,25,\nB,North,Aland,10,20,town,,500\nC,South,Bland,11,21,camp,,2000,,,12\nD,South,Bland,11,21,camp,,3\n";
    let fi = ok(&[
        (LOC, Some(locs)),
        ("simsetting.yml", Some("optimisations:\n  hasten: 5\n")),
    ]);
    let s = &fi.scenario;
    let a = loc(s, "A");
    assert_eq!(
        (a.population, a.conflict_intensity, a.initial_idps),
        (200, 0.5, 5)
    );
    assert_eq!(loc(s, "C").capacity, Some(400));
    assert_eq!(loc(s, "C").capacity_per_day, 2);
    // 3 // 5 = 0 < 1: unlimited, as in Flee.
    assert_eq!(loc(s, "D").capacity, None);
    assert_eq!(series(s, "C").points[3], (10, 80.0));
    assert_eq!(loc(s, "B").conflict_intensity, 1.0);
}

#[test]
fn negative_camp_capacity_means_unlimited() {
    let locs = "A,North,Aland,10,20,conflict_zone,0,10\nB,North,Aland,10,20,town,,5\nC,South,Bland,11,21,camp,,-1\nD,South,Bland,11,21,camp,,\n";
    let s = ok(&[(LOC, Some(locs))]).scenario;
    assert_eq!((loc(&s, "C").capacity, loc(&s, "D").capacity), (None, None));
}

#[test]
fn route_attributes_and_duplicates() {
    let routes = "#name1,name2,distance,forced_redirection,max_move_speed,walk_probability\nA,B,100,0,50,0.25\nB,C,50.5,1\nB,D,80,,,\nC,B,7,0\n";
    let fi = ok(&[("input_csv/routes.csv", Some(routes))]);
    let l = &fi.scenario.links;
    assert_eq!(
        (l[0].max_move_speed, l[0].walk_probability),
        (Some(50.0), 0.25)
    );
    assert_eq!(
        l[0].attributes.get("max_move_speed").map(String::as_str),
        Some("50")
    );
    assert_eq!(
        (
            l[1].distance_km,
            l[1].forced_redirection,
            l[1].max_move_speed
        ),
        (50.5, 1, None)
    );
    assert_eq!(l.len(), 4);
    assert_eq!(
        fi.warnings,
        ["input_csv/routes.csv:5: route C–B repeats line 3; both are kept (as Flee does), which doubles that route's weight"]
    );
}

#[test]
fn every_closure_type() {
    let closures = "#closure_type,name1,name2,closure_start,closure_end\ncountry,Aland,Bland,3,5\nlocation,B,,1,-1\nlink,A,B,2,4\ncamp,C,,0,9\nidpcamp,D,,0,9\nremove_forced_redirection,B,C,4,0\nlink,A,C,1,2\ncountry,Aland,Zland,1,2\n";
    let fi = ok(&[("input_csv/closures.csv", Some(closures))]);
    let t: Vec<ClosureTarget> = fi
        .scenario
        .closures
        .iter()
        .map(|c| c.target.clone())
        .collect();
    assert_eq!(
        t,
        vec![
            ClosureTarget::Country {
                a: "Aland".into(),
                b: "Bland".into()
            },
            ClosureTarget::Location(1),
            ClosureTarget::Link(0, 1),
            ClosureTarget::Camp(2),
            ClosureTarget::Camp(3),
            ClosureTarget::RemoveForcedRedirection(1, 2),
            ClosureTarget::Link(0, 2),
            ClosureTarget::Country {
                a: "Aland".into(),
                b: "Zland".into()
            },
        ]
    );
    assert_eq!(fi.scenario.closures[1].end, -1);
    assert_eq!(
        fi.warnings,
        [
            "input_csv/closures.csv:8: no route joins 'A' and 'C'; this closure has no effect",
            "input_csv/closures.csv:9: no location is in country 'Zland'; this closure has no effect",
        ]
    );
}

#[test]
fn optional_files() {
    // No closures, corrections or simsetting.yml: fine, with a warning for the settings.
    let fi = ok(&[
        ("input_csv/closures.csv", None),
        ("input_csv/registration_corrections.csv", None),
        ("simsetting.yml", None),
    ]);
    assert!(fi.scenario.closures.is_empty());
    assert_eq!(fi.scenario.settings, corridor_model::Settings::default());
    assert_eq!(
        fi.warnings,
        ["simsetting.yml not found: using Flee's default settings"]
    );
    assert_eq!(series(&fi.scenario, "C").points[1], (2, 100.0));
    // An empty YAML file means Flee's defaults, silently.
    let fi = ok(&[("simsetting.yml", Some(""))]);
    assert_eq!(fi.scenario.settings, corridor_model::Settings::default());
    assert!(fi.warnings.is_empty());
    // No conflicts.csv: no schedule, and the user is told.
    let fi = ok(&[("input_csv/conflicts.csv", None)]);
    assert!(fi.scenario.conflicts.is_none());
    assert_eq!(fi.warnings.len(), 1);
    assert!(fi.warnings[0].starts_with("input_csv/conflicts.csv not found"));
    // Unsupported optional inputs are named.
    let fi = ok(&[("input_csv/agents.csv", Some("location,age\nA,30\n"))]);
    assert_eq!(
        fi.warnings,
        ["input_csv/agents.csv is not supported by corridor and was ignored"]
    );
}

#[test]
fn sim_period_variants() {
    let fi = ok(&[
        ("input_csv/sim_period.csv", None),
        (
            "input_csv/conflict_period.csv",
            Some("startdate, 2020-01-01\nLENGTH,8\n"),
        ),
    ]);
    assert_eq!(fi.scenario.days, 8);
    assert!(fi
        .inputs
        .iter()
        .any(|f| f.path == "input_csv/conflict_period.csv"));
    let e = err(&[("input_csv/sim_period.csv", Some("StartDate,2020-01-01\n"))]);
    assert_eq!(
        e,
        "input_csv/sim_period.csv: no Length (expected 'Length,<days>') row"
    );
}

#[test]
fn conflicts_columns() {
    // Unknown names are ignored with a warning (Flee prints an error and goes on);
    // comment rows after the header and blank lines do not count as days.
    let mut text = String::from("#Day, A , Nowhere, B,\n# note\n");
    for d in 0..10 {
        text.push_str(&format!("{d},{},7,0.5\n\n", d % 2));
    }
    let fi = ok(&[("input_csv/conflicts.csv", Some(&text))]);
    let c = fi.scenario.conflicts.unwrap();
    assert_eq!(c.locations, vec![0, 1]);
    assert_eq!(c.intensity.len(), 10);
    assert_eq!(c.intensity[1], vec![1.0, 0.5]);
    assert_eq!(
        fi.warnings,
        ["input_csv/conflicts.csv:1: column 3 'Nowhere' is not a location in input_csv/locations.csv; the column is ignored"]
    );
    let e = err(&[("input_csv/conflicts.csv", Some("#Day,A,A\n0,1,1\n"))]);
    assert_eq!(
        e,
        "input_csv/conflicts.csv:1: location 'A' has two columns (2 and 3)"
    );
}

#[test]
fn data_layout_variants() {
    // Several files on one row are summed; a correction dated before the start is
    // ignored; empty_camps_on_day0 subtracts each series' day-0 value.
    let layout = "# comment\ntotal,refugees.csv\nC,c.csv\nD,d.csv,d2.csv\n";
    let fi = ok(&[
        ("source_data/data_layout.csv", Some(layout)),
        (
            "source_data/d2.csv",
            Some("#Date,x\n2020-01-01,10\n2020-01-06,,\n2020-01-06,20\n"),
        ),
        (
            "input_csv/registration_corrections.csv",
            Some("C,2019-12-01,normalize\nC,2020-01-06\n"),
        ),
    ]);
    let d = series(&fi.scenario, "D");
    assert_eq!(d.points, vec![(0, 10.0), (5, 120.0), (10, 220.0)]);
    assert_eq!(series(&fi.scenario, "C").points[1], (2, 150.0));

    let fi = ok(&[
        ("source_data/d.csv", Some("2020-01-01,50\n2020-01-11,250\n")),
        (
            "simsetting.yml",
            Some("spawn_rules:\n  empty_camps_on_day0: True\n"),
        ),
    ]);
    assert_eq!(
        series(&fi.scenario, "D").points,
        vec![(0, 0.0), (10, 200.0)]
    );
    assert_eq!(fi.scenario.data.total.points[2], (10, 600.0));

    // A correction on the first data point cannot be applied.
    let e = err(&[(
        "input_csv/registration_corrections.csv",
        Some("C,2020-01-01\n"),
    )]);
    assert_eq!(
        e,
        "input_csv/registration_corrections.csv:1: 2020-01-01 is the first data point of camp 'C' in source_data/c.csv; a registration correction needs an earlier point"
    );
}

#[test]
fn no_data_layout() {
    let missing = [("source_data/data_layout.csv", None)];
    assert_eq!(
        err(&missing),
        "source_data/data_layout.csv: file not found (the data series of the camps, e.g. 'C')"
    );
    // Without camps, no data is needed.
    let locs = "A,North,Aland,10,20,conflict_zone,0,10\nB,North,Aland,10,20,town,,5\nC,South,Bland,11,21,town,,0\nD,South,Bland,11,21,town,,0\n";
    let fi = ok(&[
        ("source_data/data_layout.csv", None),
        ("input_csv/registration_corrections.csv", None),
        ("input_csv/closures.csv", None),
        (LOC, Some(locs)),
    ]);
    assert!(fi.scenario.data.camps.is_empty());
    assert_eq!(
        fi.warnings,
        ["no source_data/data_layout.csv: the scenario has no observed data"]
    );
}

#[test]
fn demographics_file() {
    let demo = "age,Default,B,Nowhere\n0-17,0.4,1,1\n18+,0.6,0,1\n";
    let fi = ok(&[("input_csv/demographics_age.csv", Some(demo))]);
    let d = &fi.scenario.demographics[0];
    assert_eq!(
        (d.attribute.as_str(), d.values.clone()),
        ("age", vec!["0-17".to_string(), "18+".to_string()])
    );
    assert_eq!(d.default_weights, [0.4, 0.6]);
    assert_eq!(d.per_location, vec![(1, vec![1.0, 0.0])]);
    assert_eq!(
        fi.warnings,
        ["input_csv/demographics_age.csv:1: column 4 'Nowhere' is not a location in input_csv/locations.csv; the column is ignored"]
    );
    let e = err(&[("input_csv/demographics_age.csv", Some("age,B\nx,1\n"))]);
    assert_eq!(
        e,
        "input_csv/demographics_age.csv:1: no 'Default' column in the header (expected 'age,Default[,<location>...]')"
    );
    let e = err(&[("input_csv/demographics_age.csv", Some("age,Default\nx,0\n"))]);
    assert!(e.contains("'Default' weights are all zero"), "{e}");
}

#[test]
fn conflict_modes_from_settings() {
    let y = "spawn_rules:\n  conflict_driven_spawning:\n    spawn_mode: poisson\n    displaced_per_conflict_day: 20\n";
    let fi = ok(&[("simsetting.yml", Some(y))]);
    let c = fi
        .scenario
        .settings
        .spawn_rules
        .conflict_driven_spawning
        .unwrap();
    assert_eq!(
        (c.spawn_mode, c.displaced_per_conflict_day),
        (SpawnMode::Poisson, 20.0)
    );
}

#[test]
fn scenario_name_is_the_directory_name() {
    let parent = tempfile::tempdir().unwrap();
    let src = instance(&[]);
    let named = parent.path().join("my-instance");
    std::fs::rename(src.path(), &named).unwrap_or_else(|_| {
        // Different file systems: copy instead.
        for (p, c) in base_files() {
            let f = named.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, c).unwrap();
        }
    });
    let fi = read_flee_instance(&named).unwrap();
    assert_eq!(fi.scenario.name, "my-instance");
    let with_dot = named.join(".");
    assert_eq!(
        read_flee_instance(&with_dot).unwrap().scenario.name,
        "my-instance"
    );
}

#[test]
fn check_reports_on_real_instances() {
    use corridor_model::check::check;
    let r = check(&read("mali2012").scenario);
    assert_eq!(
        r.by_kind,
        vec![
            (LocationKind::ConflictZone, 12),
            (LocationKind::Town, 4),
            (LocationKind::Camp, 7)
        ]
    );
    assert_eq!((r.locations, r.links, r.camps, r.days), (23, 35, 7, 300));
    assert_eq!(r.end_date, date("2012-12-24"));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    // car2013's camp Bili appears in no route of routes.csv.
    let r = check(&read("car2013").scenario);
    assert_eq!(r.warnings, ["location 'Bili' has no routes (isolated)"]);
    // ssudan2013's camp series stop 2–5 days before the last simulated day.
    let r = check(&read("ssudan2013").scenario);
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].starts_with(
        "observed data ends before the last simulated day 2015-08-10: Tierkidi (2015-08-08), Pugnido (2015-08-08)"
    ));
}

/// DFlee: the flood settings as Flee reads them, flood_level.csv, every location
/// reported in out.csv, conflicts.csv not read.
#[test]
fn dflee_example() {
    let fi = read("dflee_example");
    let s = &fi.scenario;
    let f = s
        .settings
        .spawn_rules
        .flood_driven_spawning
        .as_ref()
        .unwrap();
    // `flood_spawn_mode: "pop_ratio"` is not Flee's key: the default applies.
    assert_eq!(f.spawn_mode, SpawnMode::PopRatio);
    assert_eq!(f.displaced_per_flood_day, [0.0, 0.1, 0.2, 0.5, 0.9]);
    let r = s.settings.move_rules.flood_rules.as_ref().unwrap();
    assert_eq!(r.max_flood_level, -1);
    assert_eq!(
        r.flood_loc_weights.as_deref(),
        Some(&[1.0, 0.5, 0.2, 0.0, 0.0][..])
    );
    assert_eq!(loc(s, "F1").kind, LocationKind::FloodZone);
    assert_eq!(loc(s, "F2").population, 2000);
    let fl = s.floods.as_ref().unwrap();
    let names: Vec<&str> = fl
        .locations
        .iter()
        .map(|&l| s.locations[l].name.as_str())
        .collect();
    assert_eq!(names, ["F1", "F2", "F3"]);
    assert_eq!(fl.level.len(), 11);
    assert_eq!(fl.level[0], [1, 2, 3]);
    assert_eq!(fl.level[1], [2, 2, 2]);
    // Every location is an out.csv column, in file order.
    assert_eq!(s.camp_locations(), (0..9).collect::<Vec<_>>());
    assert!(s.conflicts.is_none());
    assert!(fi
        .warnings
        .iter()
        .any(|w| w.contains("'spawn_rules.flood_driven_spawn_mode.flood_spawn_mode'")));
}

/// Ethiopia_dflee: Mustahil is a camp (line 51) and a flood zone (line 79); the
/// first data row names a location.
#[test]
fn ethiopia_dflee() {
    let fi = read("Ethiopia_dflee");
    let s = &fi.scenario;
    assert_eq!(s.locations.len(), 86);
    let camp = s.location_index("Mustahil").unwrap();
    let zone = s.location_index("Mustahil#2").unwrap();
    assert_eq!(s.locations[camp].kind, LocationKind::Camp);
    assert_eq!(s.locations[zone].kind, LocationKind::FloodZone);
    assert_eq!(s.locations[zone].flee_name(), "Mustahil");
    // Routes reach the flood zone only; the camp has no links.
    assert!(s.links.iter().all(|l| l.from != camp && l.to != camp));
    assert_eq!(
        s.links
            .iter()
            .filter(|l| l.from == zone || l.to == zone)
            .count(),
        32
    );
    // out.csv: 86 columns, both Mustahil columns show the flood zone.
    let cols = s.camp_locations();
    assert_eq!(cols.len(), 86);
    assert_eq!(cols.iter().filter(|&&c| c == zone).count(), 2);
    assert!(!cols.contains(&camp));
    // Flood levels reach both Mustahil locations (a column per location).
    let fl = s.floods.as_ref().unwrap();
    assert!(fl.locations.contains(&camp) && fl.locations.contains(&zone));
    assert_eq!(fl.level.len(), 31);
    // `Abobo` is the first data row: the total, and Abobo's data too.
    let abobo = s.location_index("Abobo").unwrap();
    assert_eq!(s.data.total_location, Some(abobo));
    assert_eq!(s.data.camp(abobo), Some(&s.data.total));
    assert_eq!(s.settings.optimisations.hasten, 100);
    assert_eq!(loc(s, "Konta").population, 1226);
}

#[test]
fn flood_level_file_errors() {
    let yml = "spawn_rules:\n  flood_zone_spawning_only: True\n  conflict_zone_spawning_only: False\n  take_from_population: True\n  flood_driven_spawn_mode:\n    spawn_mode: constant\nmove_rules:\n  flood_rules:\n    flood_movechances: [0.3,0.4,0.7,1.0,1.0]\n    flood_loc_weights: [1.0,0.5,0.2,0.0,0.0]\n";
    let e = err(&[("simsetting.yml", Some(yml))]);
    assert!(e.contains("input_csv/flood_level.csv"), "{e}");
    let e = err(&[
        ("simsetting.yml", Some(yml)),
        ("input_csv/flood_level.csv", Some("#Day,A\n0,1\n1,x\n")),
    ]);
    assert!(e.starts_with("input_csv/flood_level.csv:3"), "{e}");
    // Flee does not read conflicts.csv with flood rules; unknown columns are ignored.
    let every = "total,refugees.csv\nA,c.csv\nB,c.csv\nC,c.csv\nD,d.csv\n";
    let fi = ok(&[
        ("simsetting.yml", Some(yml)),
        (
            "input_csv/flood_level.csv",
            Some("#Day, A ,Q\n0,1,0\n1,2.7,0\n"),
        ),
        ("source_data/data_layout.csv", Some(every)),
    ]);
    let fl = fi.scenario.floods.as_ref().unwrap();
    assert_eq!(fl.level, [[1], [2]]);
    assert!(fi.scenario.conflicts.is_none());
    assert!(
        fi.warnings
            .iter()
            .any(|w| w.contains("conflicts.csv: not read")),
        "{:?}",
        fi.warnings
    );
    assert!(
        fi.warnings.iter().any(|w| w.contains("column 3 'Q'")),
        "{:?}",
        fi.warnings
    );
    // With flood-driven spawning every location is reported and needs a data row.
    let e = err(&[
        ("simsetting.yml", Some(yml)),
        ("input_csv/flood_level.csv", Some("#Day,A\n0,1\n")),
    ]);
    assert!(
        e.contains("'A' (input_csv/locations.csv:2) has no row"),
        "{e}"
    );
}
