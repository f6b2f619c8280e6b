//! The scenario reader against every example in `examples/` (one per lever) and
//! against broken inputs, whose messages (file:line: key) are pinned exactly.

use corridor_io::scenario::{read_scenario, read_scenario_str, ScenarioInstance};
use corridor_model::border::{
    Action, Allocation, CaravanSource, DispersalAt, Event, InflowMode, QueueDiscipline,
};
use corridor_model::{Date, LocationKind};
use std::path::PathBuf;

fn example(name: &str) -> ScenarioInstance {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .join("scenario.toml");
    read_scenario(&p).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn rel_paths(i: &ScenarioInstance) -> Vec<&str> {
    i.inputs.iter().map(|f| f.path.as_str()).collect()
}

#[test]
fn every_example_reads_without_warnings() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("scenario.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "appointments",
            "caravan",
            "checkpoint",
            "crossings",
            "inflow",
            "papers",
            "port-balking",
            "port-capacity",
            "port-closure",
            "shelter",
            "variants"
        ]
    );
    for n in &names {
        let i = example(n);
        assert!(i.warnings.is_empty(), "{n}: {:?}", i.warnings);
        assert_eq!(i.scenario.name, *n);
        assert!(!i.scenario.border.is_empty() || n == "shelter", "{n}");
        // Every input is hashed: 64 lower-case hex digits.
        for f in &i.inputs {
            assert_eq!(f.sha256.len(), 64);
            assert!(f
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        }
    }
}

#[test]
fn port_capacity() {
    let i = example("port-capacity");
    let s = &i.scenario;
    assert_eq!(s.start_date, Date::parse("2023-12-01").unwrap());
    assert_eq!(s.days, 5);
    assert_eq!(i.seed, Some(1));
    assert_eq!(s.locations[1].kind, LocationKind::Port);
    assert_eq!(s.locations[1].initial_idps, 250);
    let p = &s.border.ports[0];
    assert_eq!(p.name, "San Ysidro");
    assert_eq!((p.location, p.border_city), (1, 0));
    assert_eq!(p.field_office, "San Diego Field Office");
    assert_eq!(p.sector, "San Diego Sector");
    assert_eq!(p.capacity_per_day, 100.0);
    assert!(p.open && p.walk_ups);
    assert_eq!(p.queue, QueueDiscipline::Fifo);
    assert_eq!(
        rel_paths(&i),
        ["locations.csv", "ports.csv", "routes.csv", "scenario.toml"]
    );
}

#[test]
fn port_closure() {
    let s = example("port-closure").scenario;
    assert_eq!(
        s.border.events,
        vec![
            Event {
                day: 3,
                action: Action::ClosePort { port: 0 }
            },
            Event {
                day: 6,
                action: Action::OpenPort { port: 0 }
            },
        ]
    );
    assert_eq!(s.border.ports[0].field_office, "Tucson Field Office");
}

#[test]
fn checkpoint() {
    let s = example("checkpoint").scenario;
    let c = &s.border.checkpoints[0];
    assert_eq!(c.name, "Huixtla");
    assert_eq!((c.from, c.to, c.relocate_to, c.delay_days), (0, 1, 0, 1));
    assert!(!c.both_directions);
    assert_eq!(c.probability, 0.5);
    assert_eq!(s.settings.move_rules.max_move_speed, 100.0);
    assert_eq!(
        s.border.events,
        vec![Event {
            day: 5,
            action: Action::SetCheckpointProbability {
                checkpoint: 0,
                probability: 1.0
            }
        }]
    );
}

#[test]
fn port_balking() {
    let s = example("port-balking").scenario;
    let w = s.border.walk_up_leaving;
    assert_eq!(w.patience_days, Some(10.0));
    assert_eq!(w.renege_probability, 0.03);
    assert!(w.is_on());
    // Without a `[ports]` section nobody balks or reneges.
    let none = example("port-closure").scenario.border.walk_up_leaving;
    assert_eq!((none.patience_days, none.renege_probability), (None, 0.0));
    assert!(!none.is_on());
}

#[test]
fn appointments() {
    let s = example("appointments").scenario;
    let a = s.border.appointments.as_ref().unwrap();
    assert_eq!(a.per_day, 100.0);
    assert_eq!(a.shares, vec![0.6, 0.4]);
    assert_eq!(a.request_probability, 0.2);
    assert_eq!(a.eligible, vec![0]);
    assert_eq!(a.allocation, Allocation::Mixed { fifo_share: 0.5 });
    assert_eq!(a.lead_days, 3);
    assert!(s.border.ports.iter().all(|p| !p.walk_ups));
    assert_eq!(s.border.ports[1].sector, "Rio Grande Valley Sector");
}

#[test]
fn crossings() {
    let s = example("crossings").scenario;
    let c = &s.border.crossings[0];
    assert_eq!(c.name, "Ciudad Juárez");
    assert_eq!(c.sector, "El Paso Sector");
    assert_eq!((c.hazard, c.slope, c.max_hazard), (0.05, 0.1, 0.3));
    assert!((c.hazard_after(0.05, 10) - 0.1).abs() < 1e-12);
    let t = s.border.threshold.as_ref().unwrap();
    assert_eq!((t.window_days, t.deactivate_after_days), (7, 14));
    assert_eq!(
        (t.activate_at, t.deactivate_below, t.hazard_factor),
        (40.0, 20.0, 0.2)
    );
    assert!(t.suspend_walk_ups);
    assert_eq!(
        s.border.events,
        vec![Event {
            day: 10,
            action: Action::SetCrossingHazard {
                crossing: 0,
                hazard: 0.01
            }
        }]
    );
}

#[test]
fn shelter() {
    let s = example("shelter").scenario;
    assert_eq!(s.locations[0].shelter_capacity, Some(700));
    assert_eq!(s.locations[1].shelter_capacity, None);
    assert_eq!(s.border.shelter_full_weight, 0.5);
    assert_eq!(
        s.border.events,
        vec![Event {
            day: 5,
            action: Action::SetShelterCapacity {
                location: 0,
                shelter_capacity: Some(900)
            }
        }]
    );
}

#[test]
fn inflow() {
    let s = example("inflow").scenario;
    let f = &s.border.inflows[0];
    assert_eq!(f.location, 0);
    // Dated points as day offsets from 2023-12-01.
    assert_eq!(
        f.series.points,
        vec![(-16, 1241.0), (14, 794.0), (45, 1161.0)]
    );
    assert_eq!(
        f.series.value_f64(0),
        1241.0 + (794.0 - 1241.0) * 16.0 / 30.0
    );
    assert_eq!(s.border.inflow_mode, InflowMode::Expected);
    assert_eq!(
        s.border.events,
        vec![Event {
            day: 19,
            action: Action::SetInflowScale {
                inflow: 0,
                scale: 0.5
            }
        }]
    );
}

#[test]
fn caravan_with_hasten() {
    let s = example("caravan").scenario;
    assert_eq!(s.settings.optimisations.hasten, 10);
    // People are divided by hasten: 8,000 waiting and 6,000 walking become 800 and 600 agents.
    assert_eq!(s.locations[0].initial_idps, 800);
    let c = &s.border.caravans[0];
    assert_eq!(c.name, "Éxodo de la pobreza");
    assert_eq!((c.day, c.origin, c.size), (4, 0, 600));
    assert_eq!(c.source, CaravanSource::Waiting);
    assert_eq!(c.path, vec![1, 2, 3]);
    assert_eq!(c.speed_km_per_day, 11.7);
    let d = &c.dispersals[0];
    assert_eq!(d.at, DispersalAt::Place(2));
    assert_eq!((d.continue_share, d.papers_share), (0.3, 0.6));
    assert_eq!((d.relocate_to, d.delay_days), (Some(1), 1));
}

#[test]
fn variants() {
    let i = example("variants");
    let s = &i.scenario;
    assert_eq!(i.description, "Base timeline plus three policy variants");
    assert_eq!(i.seed, Some(7));
    let names: Vec<&str> = s.border.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "baseline",
            "ports_stay_closed",
            "stronger_containment",
            "appointments_doubled"
        ]
    );
    assert!(s.border.variants[0].events.is_empty());
    assert_eq!(s.border.events.len(), 2);
    // eligible_regions = ["Ciudad de México"] selects that one location.
    assert_eq!(s.border.appointments.as_ref().unwrap().eligible, vec![2]);
    assert_eq!(
        s.border.appointments.as_ref().unwrap().shares,
        vec![0.5, 0.5]
    );
    let mut b = s.border.clone();
    b.apply_variant("ports_stay_closed").unwrap();
    let on_21: Vec<&Action> = b
        .events
        .iter()
        .filter(|e| e.day == 21)
        .map(|e| &e.action)
        .collect();
    assert_eq!(
        on_21,
        [
            &Action::OpenPort { port: 0 },
            &Action::ClosePort { port: 0 }
        ]
    );
    let mut b = s.border.clone();
    b.apply_variant("appointments_doubled").unwrap();
    assert_eq!(
        b.events[0],
        Event {
            day: 0,
            action: Action::SetAppointmentsPerDay { per_day: 60.0 }
        }
    );
    assert!(s.border.clone().apply_variant("nope").is_err());
}

// ---- errors ------------------------------------------------------------------

const LOCS: &str = "name,kind,lat,lon\nA,town,14.9,-92.3\nB,town,16.4,-95.0\nP,port,32.5,-117.0\n";
const ROUTES: &str = "from,to,distance_km\nA,B,400\nB,P,5\n";
const PORTS: &str = "port,border_city,field_office,sector,capacity_per_day\nP,B,San Diego Field Office,San Diego Sector,100\n";
const HEAD: &str = "name = \"t\"\nstart_date = \"2023-12-01\"\ndays = 10\n\n[tables]\nlocations = \"locations.csv\"\nroutes = \"routes.csv\"\nports = \"ports.csv\"\n";

/// Reads `toml` with the three tables above, `extra` replacing or adding files.
fn read_with(toml: &str, extra: &[(&str, &str)]) -> String {
    let files = |p: &str| -> Option<String> {
        if let Some((_, v)) = extra.iter().find(|(k, _)| *k == p) {
            return Some(v.to_string());
        }
        match p {
            "locations.csv" => Some(LOCS.into()),
            "routes.csv" => Some(ROUTES.into()),
            "ports.csv" => Some(PORTS.into()),
            _ => None,
        }
    };
    match read_scenario_str("scenario.toml", toml, &files) {
        Ok(_) => "ok".into(),
        Err(e) => e.to_string(),
    }
}

fn err(toml_tail: &str) -> String {
    read_with(&format!("{HEAD}{toml_tail}"), &[])
}

#[test]
fn the_error_fixtures_are_valid_on_their_own() {
    assert_eq!(err(""), "ok");
}

#[test]
fn unknown_keys() {
    assert_eq!(
        read_with("name = \"t\"\nstart_dat = \"2023-12-01\"\n", &[]),
        "scenario.toml:2: unknown key 'start_dat' (expected one of: name, description, start_date, days, seed, base, rules, tables, border, ports, appointments, threshold, caravans, papers, events, variants, observations, sources)"
    );
    assert_eq!(
        err("prots = \"ports.csv\"\n"),
        "scenario.toml:9: unknown key 'tables.prots' (expected one of: locations, routes, ports, checkpoints, inflows, crossings, observations)"
    );
    assert_eq!(
        err("\n[appointments]\nper_day = 1\nrequest_probability = 0.1\nlead_day = 3\n"),
        "scenario.toml:13: unknown key 'appointments.lead_day' (expected one of: per_day, shares, request_probability, eligible, eligible_regions, allocation, fifo_share, lead_days)"
    );
    assert_eq!(
        err("\n[[events]]\nday = 1\naction = \"close_port\"\nport = \"P\"\ncapacity_per_day = 5\n"),
        "scenario.toml:14: key 'events[1].capacity_per_day' does not apply to action 'close_port' (its keys: port)"
    );
    assert!(
        err("\n[rules]\nmove_rules.max_move_sped = 5\n").starts_with(
            "scenario.toml:11: unknown key 'rules.move_rules.max_move_sped' (expected one of: "
        )
    );
}

#[test]
fn bad_values() {
    assert_eq!(
        read_with(
            "name = \"t\"\nstart_date = \"2023-13-01\"\ndays = 10\n",
            &[]
        ),
        "scenario.toml:2: key 'start_date': expected a date YYYY-MM-DD, found \"2023-13-01\""
    );
    assert_eq!(
        read_with("name = \"t\"\nstart_date = 2023-12-01\ndays = 0\n", &[]),
        "scenario.toml:3: key 'days': expected a whole number of days between 1 and 100000, found 0"
    );
    assert_eq!(
        err("\n[appointments]\nper_day = -5\nrequest_probability = 0.1\n"),
        "scenario.toml:11: key 'appointments.per_day': expected a number ≥ 0, found -5"
    );
    assert_eq!(
        err("\n[appointments]\nper_day = 5\nrequest_probability = 1.5\n"),
        "scenario.toml:12: key 'appointments.request_probability': expected a number between 0 and 1, found 1.5"
    );
    assert_eq!(
        err("\n[appointments]\nper_day = 5\nrequest_probability = 0.5\nshares = { P = 0.5 }\n"),
        "scenario.toml:13: appointments.shares: the shares sum to 0.5, not 1"
    );
    assert_eq!(
        err("\n[[events]]\ndate = \"2023-11-30\"\naction = \"close_port\"\nport = \"P\"\n"),
        "scenario.toml:11: key 'events[1].date': expected a date on or after start_date 2023-12-01, found \"2023-11-30\""
    );
    assert_eq!(
        err("\n[[events]]\nday = 2\naction = \"shut_port\"\nport = \"P\"\n"),
        "scenario.toml:12: key 'events[1].action': expected one of open_port, close_port, set_port_capacity, set_walk_ups, set_appointments_per_day, set_appointment_shares, set_request_probability, set_allocation, set_lead_days, set_eligible, set_checkpoint_probability, set_crossing_hazard, close_link, open_link, set_inflow_scale, set_shelter_capacity, relocate, scale_checkpoint_probability, scale_crossing_hazard, scale_inflow, scale_request_probability, scale_port_capacity, hold_port_closed, set_caravan, found \"shut_port\""
    );
    assert_eq!(
        err(
            "\n[[events]]\nday = 2\ndate = \"2023-12-03\"\naction = \"close_port\"\nport = \"P\"\n"
        ),
        "scenario.toml:11: events[1]: give either date or day, not both"
    );
    assert_eq!(
        err("\n[[events]]\nday = 2\naction = \"close_link\"\nfrom = \"A\"\nto = \"P\"\n"),
        "scenario.toml:14: events[1]: no route between 'A' and 'P'"
    );
    assert_eq!(
        err("\n[[events]]\nday = 2\naction = \"set_port_capacity\"\nport = \"P\"\n"),
        "scenario.toml:10: missing key 'events[1].capacity_per_day'"
    );
    assert_eq!(
        err("\n[rules.move_rules]\ndefault_movechance = 2\n"),
        "scenario.toml:11: key 'rules.move_rules.default_movechance': expected a number between 0 and 1, found 2"
    );
    assert!(read_with("name = \"t\"\n[x\n", &[]).starts_with("scenario.toml:2: not valid TOML:"));
}

#[test]
fn unknown_names() {
    assert_eq!(
        err("\n[[events]]\nday = 1\naction = \"open_port\"\nport = \"Q\"\n"),
        "scenario.toml:13: port 'Q' is not defined in the ports table"
    );
    assert_eq!(
        err("\n[[caravans]]\nname = \"c\"\nday = 1\norigin = \"Z\"\nsize = 10\npath = [\"B\"]\nspeed_km_per_day = 10\n"),
        "scenario.toml:13: location 'Z' is not defined in locations.csv"
    );
    assert_eq!(
        err("\n[[caravans]]\nname = \"c\"\nday = 1\norigin = \"A\"\nsize = 10\npath = [\"P\"]\nspeed_km_per_day = 10\n"),
        "scenario.toml:15: caravans[1].path: no route between 'A' and 'P'"
    );
}

#[test]
fn table_errors() {
    let toml = format!("{HEAD}checkpoints = \"checkpoints.csv\"\n");
    assert_eq!(
        read_with(&toml, &[("checkpoints.csv", "name,from,to,probability,relocate_to,delay_days\nc,A,B,1.2,A,1\n")]),
        "checkpoints.csv:2: field 'probability' (column 4): expected a number between 0 and 1, found \"1.2\""
    );
    assert_eq!(
        read_with(&toml, &[("checkpoints.csv", "name,from,to,probability,relocate_to,delay_days\nc,A,B,0.2,A,0\n")]),
        "checkpoints.csv:2: field 'delay_days' (column 6): expected a whole number of days between 1 and 100000, found \"0\""
    );
    assert_eq!(
        read_with(&toml, &[("checkpoints.csv", "name,from,to,probability,relocate_to,delay_days,colour\n")]),
        "checkpoints.csv:1: unknown column 'colour' (expected one of: name, from, to, direction, probability, relocate_to, delay_days)"
    );
    assert_eq!(
        read_with(
            &toml,
            &[(
                "checkpoints.csv",
                "name,from,to,probability,relocate_to,delay_days\nc,A,P,0.2,A,1\n"
            )]
        ),
        "checkpoints.csv:2: checkpoint 'c': no route between 'A' and 'P'"
    );
    assert_eq!(
        read_with(
            HEAD,
            &[(
                "ports.csv",
                "port,border_city,field_office,sector,capacity_per_day\nA,B,X,Y,10\n"
            )]
        ),
        "ports.csv:2: field 'port' (column 1): expected a location of kind port, found \"A\""
    );
    assert_eq!(
        read_with(
            HEAD,
            &[(
                "ports.csv",
                "port,border_city,field_office,sector,capacity_per_day\n"
            )]
        ),
        "ports.csv:1: location 'P' has kind port but no row in the ports table"
    );
    assert_eq!(
        read_with(HEAD, &[("locations.csv", "name,kind\nA,town\nB,city\n")]),
        "locations.csv:3: field 'kind' (column 2): expected one of town, camp, idpcamp, conflict_zone, forwarding_hub, marker, flood_zone, port, found \"city\""
    );
    assert_eq!(
        read_with(HEAD, &[("locations.csv", "name,kind\nA,town\nA,town\n")]),
        "locations.csv:3: duplicate location 'A' (first defined on line 2)"
    );
    assert_eq!(
        read_with(HEAD, &[("routes.csv", "from,to,distance_km\nA,C,4\n")]),
        "routes.csv:2: location 'C' is not defined in locations.csv"
    );
}

#[test]
fn embedded_and_disk_reads_agree() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/variants");
    let toml = std::fs::read_to_string(dir.join("scenario.toml")).unwrap();
    let files = |p: &str| std::fs::read_to_string(dir.join(p)).ok();
    let a = read_scenario_str("scenario.toml", &toml, &files).unwrap();
    let b = example("variants");
    assert_eq!(a.scenario, b.scenario);
    assert_eq!(a.inputs, b.inputs);
}

#[test]
fn disk_errors_show_the_path_given() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("scenario.toml"), HEAD).unwrap();
    std::fs::write(tmp.path().join("locations.csv"), LOCS).unwrap();
    std::fs::write(
        tmp.path().join("routes.csv"),
        "from,to,distance_km\nA,B,x\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("ports.csv"), PORTS).unwrap();
    let e = read_scenario(&tmp.path().join("scenario.toml"))
        .unwrap_err()
        .to_string();
    let shown = tmp.path().join("routes.csv").display().to_string();
    assert_eq!(
        e,
        format!(
            "{shown}:2: field 'distance_km' (column 3): expected a finite number ≥ 0, found \"x\""
        )
    );
    let missing = tmp.path().join("none.toml");
    let e = read_scenario(&missing).unwrap_err().to_string();
    assert_eq!(
        e,
        format!("{}: file not found (the scenario)", missing.display())
    );
}

#[test]
fn warnings_for_events_after_the_end() {
    let files = |p: &str| -> Option<String> {
        match p {
            "locations.csv" => Some(LOCS.into()),
            "routes.csv" => Some(ROUTES.into()),
            "ports.csv" => Some(PORTS.into()),
            _ => None,
        }
    };
    let toml = format!("{HEAD}\n[[events]]\nday = 12\naction = \"close_port\"\nport = \"P\"\n");
    let i = read_scenario_str("scenario.toml", &toml, &files).unwrap();
    assert_eq!(
        i.warnings,
        ["scenario.toml:10: event 'close_port' on day 12 is after the last simulated day (9); it has no effect"]
    );
    assert_eq!(i.scenario.border.events.len(), 1);
}

fn mali() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012")
}

/// A scenario in a temporary directory on top of the mali2012 Flee instance.
fn with_base(toml_tail: &str) -> Result<ScenarioInstance, String> {
    let tmp = tempfile::tempdir().unwrap();
    let base = mali().canonicalize().unwrap();
    let toml = format!(
        "name = \"mali-plus\"\nbase = {:?}\ndays = 10\n{toml_tail}",
        base.display().to_string()
    );
    std::fs::write(tmp.path().join("scenario.toml"), toml).unwrap();
    std::fs::write(
        tmp.path().join("extra.csv"),
        "name,kind,lat,lon,country\nBorderTown,town,14.0,1.0,Niger\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("extra_routes.csv"),
        "from,to,distance_km\nNiamey,BorderTown,50\n",
    )
    .unwrap();
    read_scenario(&tmp.path().join("scenario.toml")).map_err(|e| e.to_string())
}

#[test]
fn base_flee_instance_with_extra_locations_and_rules() {
    let i = with_base(
        "[rules]\nmove_rules.max_move_speed = 100\n[tables]\nlocations = \"extra.csv\"\nroutes = \"extra_routes.csv\"\n",
    )
    .unwrap();
    let s = &i.scenario;
    assert_eq!(s.name, "mali-plus");
    assert_eq!(s.start_date, Date::parse("2012-02-29").unwrap());
    assert_eq!(s.days, 10);
    // 23 locations in mali2012 plus one.
    assert_eq!(s.locations.len(), 24);
    assert_eq!(s.locations[23].name, "BorderTown");
    assert!(s.locations[23].foreign);
    let last = s.links.last().unwrap();
    assert_eq!(
        (
            s.locations[last.from].name.as_str(),
            last.to,
            last.distance_km
        ),
        ("Niamey", 23, 50.0)
    );
    // The base's settings stay, [rules] overrides key by key.
    assert_eq!(s.settings.move_rules.max_move_speed, 100.0);
    assert_eq!(s.settings.move_rules.camp_weight, 2.0);
    assert_eq!(s.settings.move_rules.capacity_scaling, 1.25);
    assert!(s.settings.move_rules.start_on_foot);
    assert!(!s.data.camps.is_empty());
    let paths = rel_paths(&i);
    assert!(paths.contains(&"extra.csv") && paths.contains(&"scenario.toml"));
    assert!(paths
        .iter()
        .any(|p| p.ends_with("mali2012/input_csv/locations.csv")));
}

#[test]
fn base_flee_instance_errors() {
    let e = with_base("start_date = \"2012-03-01\"\n").unwrap_err();
    assert!(
        e.ends_with("scenario.toml:4: key 'start_date': expected the base instance's start date 2012-02-29 (or no start_date), found \"2012-03-01\""),
        "{e}"
    );
    let e = with_base("[rules]\noptimisations.hasten = 10\n").unwrap_err();
    assert!(
        e.contains(
            "scenario.toml:2: rules.optimisations.hasten cannot be set with a base instance"
        ),
        "{e}"
    );
    let e = with_base("[tables]\nlocations = \"extra.csv\"\nroutes = \"nope.csv\"\n").unwrap_err();
    assert!(e.contains("scenario.toml:6: tables.routes: file '"), "{e}");
    assert!(e.ends_with("nope.csv' not found"), "{e}");
    let e = read_scenario_str("s.toml", "name = \"x\"\nbase = \"b\"\n", &|_| None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "s.toml:2: base: a base Flee instance can only be used with a scenario read from disk"
    );
}

#[test]
fn border_serializes_with_file_names() {
    let s = example("appointments").scenario;
    let mut b = s.border.clone();
    b.events.push(Event {
        day: 2,
        action: Action::SetAllocation {
            allocation: Allocation::Mixed { fifo_share: 0.25 },
        },
    });
    let j = serde_json::to_string(&b).unwrap();
    assert!(j.contains(r#"{"day":2,"action":"set_allocation","allocation":{"policy":"mixed","fifo_share":0.25}}"#), "{j}");
    assert!(
        j.contains(r#""allocation":{"policy":"mixed","fifo_share":0.5}"#),
        "{j}"
    );
}

/// The examples drive the border processes as their comments say (the engine's
/// movement aside): port-capacity admits 100, 100, 50; port-closure admits nobody
/// on days 3–5; the inflow example hands out the summed rates.
#[test]
fn examples_drive_the_border_processes() {
    use corridor_model::border::BorderState;
    use corridor_model::DayRecord;
    let admissions = |name: &str| -> Vec<u64> {
        let s = example(name).scenario;
        let mut b = BorderState::new(&s, 1).unwrap();
        let port_loc = s.border.ports[0].location;
        let waiting = s.locations[port_loc].initial_idps as u32;
        let mut out = Vec::new();
        for day in 0..s.days {
            b.begin_day(day);
            if day == 0 {
                for a in 0..waiting {
                    assert!(b.joins_queue(0, a));
                    b.join_queue(0, 0, a);
                }
            }
            out.push(b.admit(day)[0].1.count());
            b.finish_day(day, &mut DayRecord::default());
        }
        out
    };
    assert_eq!(admissions("port-capacity"), [100, 100, 50, 0, 0]);
    assert_eq!(
        admissions("port-closure"),
        [100, 100, 100, 0, 0, 0, 100, 100]
    );

    let s = example("inflow").scenario;
    let mut b = BorderState::new(&s, 1).unwrap();
    let mut total = 0u64;
    let mut exact = 0.0f64;
    for day in 0..s.days {
        b.begin_day(day);
        total += b.inflows(day)[0].1;
        let scale = if day >= 19 { 0.5 } else { 1.0 };
        exact += s.border.inflows[0].series.value_f64(day as i64) * scale;
    }
    assert_eq!(total, exact.floor() as u64);
    assert_eq!(b.totals().inflow, total);
}

/// Reads `HEAD` + `tail` with a CBP file `cbp.csv` available.
fn with_cbp(tail: &str) -> Result<ScenarioInstance, String> {
    let toml = format!("{HEAD}{tail}");
    let files = |p: &str| -> Option<String> {
        match p {
            "locations.csv" => Some(LOCS.into()),
            "routes.csv" => Some(ROUTES.into()),
            "ports.csv" => Some(PORTS.into()),
            "cbp.csv" => Some("x\n".into()),
            _ => None,
        }
    };
    read_scenario_str("scenario.toml", &toml, &files).map_err(|e| e.to_string())
}

#[test]
fn observations_are_typed_and_validated() {
    let i = with_cbp(
        "\n[observations]\ncbp_monthly = \"cbp.csv\"\nobserved_through = \"2023-09\"\n\
         calibration_months = [\"2023-09\", \"2023-07\"]\nreport_from = \"2023-10-01\"\n",
    )
    .unwrap();
    let o = &i.scenario.observed;
    assert_eq!(o.cbp_monthly.as_deref(), Some("cbp.csv"));
    assert_eq!(o.observed_through.as_deref(), Some("2023-09"));
    assert_eq!(o.calibration_months, ["2023-07", "2023-09"]);
    assert_eq!(o.report_from, Date::parse("2023-10-01"));
    assert!(o.allows_month("2023-07") && !o.allows_month("2023-08"));
    // The CBP file is not a run input: runs do not depend on it.
    assert!(!rel_paths(&i).contains(&"cbp.csv"));
    // No table: nothing observed, every month allowed.
    let none = with_cbp("").unwrap();
    assert_eq!(none.scenario.observed, Default::default());
    assert!(none.scenario.observed.allows_month("2030-01"));

    for (tail, msg) in [
        (
            "\n[observations]\ncbp_monthly = \"nope.csv\"\n",
            "scenario.toml:11: observations.cbp_monthly: file 'nope.csv' not found",
        ),
        (
            "\n[observations]\nobserved_through = \"2023-9\"\n",
            "scenario.toml:11: key 'observations.observed_through': expected a month YYYY-MM",
        ),
        (
            "\n[observations]\ncalibration_months = [\"2023-07\", \"2023-13\"]\n",
            "scenario.toml:11: key 'observations.calibration_months': expected a list of months YYYY-MM",
        ),
        (
            "\n[observations]\nobserved_through = \"2023-08\"\ncalibration_months = [\"2023-09\"]\n",
            "scenario.toml:12: key 'observations.calibration_months': expected months up to observed_through 2023-08",
        ),
        (
            "\n[observations]\nreport_from = \"2023-10-32\"\n",
            "scenario.toml:11: key 'observations.report_from': expected a date YYYY-MM-DD",
        ),
        (
            "\n[observations]\ncbp = \"cbp.csv\"\n",
            "scenario.toml:11: unknown key 'observations.cbp'",
        ),
    ] {
        let e = with_cbp(tail).unwrap_err();
        assert!(e.starts_with(msg), "{tail}: {e}");
    }
}

#[test]
fn old_sources_spelling_is_still_read() {
    let toml = HEAD.replace(
        "\n[tables]",
        "\n[sources]\ntable = \"SOURCES.md\"\nobserved_cbp_monthly = \"cbp.csv\"\n\
         calibration_months = [\"2023-08\"]\nreport_from = \"2023-10-01\"\n\n[tables]",
    );
    let files = |p: &str| -> Option<String> {
        match p {
            "locations.csv" => Some(LOCS.into()),
            "routes.csv" => Some(ROUTES.into()),
            "ports.csv" => Some(PORTS.into()),
            "cbp.csv" => Some("x\n".into()),
            _ => None,
        }
    };
    let i = read_scenario_str("scenario.toml", &toml, &files).unwrap();
    let o = &i.scenario.observed;
    assert_eq!(o.cbp_monthly.as_deref(), Some("cbp.csv"));
    assert_eq!(o.calibration_months, ["2023-08"]);
    assert_eq!(o.report_from, Date::parse("2023-10-01"));
    assert_eq!(o.observed_through, None);
}

#[test]
fn the_built_in_scenario_names_its_observations() {
    let p =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/mexico-2023/scenario.toml");
    let i = read_scenario(&p).unwrap();
    let o = &i.scenario.observed;
    assert_eq!(
        o.cbp_monthly.as_deref(),
        Some("data/cbp_monthly_to_2023-09.csv")
    );
    assert_eq!(o.observed_through.as_deref(), Some("2023-09"));
    // June is the warm-up: not a calibration month.
    assert_eq!(o.calibration_months, ["2023-07", "2023-08", "2023-09"]);
    assert_eq!(o.report_from, Date::parse("2023-10-01"));
    let cbp = corridor_io::scenario::scenario_relative(&p, o.cbp_monthly.as_ref().unwrap());
    assert!(cbp.is_file(), "{}", cbp.display());
}
