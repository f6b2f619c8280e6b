//! The border processes through the agent engine (docs/model.md §2, B1–B12):
//! exact numbers on small scenarios (built here or read from `examples/`),
//! conservation every day for every example and variant, and determinism across
//! thread counts.

use corridor_model::border::monthly::{monthly, OFO, USBP};
use corridor_model::border::{
    Action, Allocation, AppointmentPool, Border, Caravan, CaravanSource, Checkpoint, CrossingPoint,
    Dispersal, DispersalAt, Event, Inflow, Port, QueueDiscipline,
};
use corridor_model::{
    simulate, Date, DayRecord, Location, LocationKind, RunOptions, RunOutput, Scenario, Series,
};
use std::path::PathBuf;

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn example(name: &str) -> Scenario {
    let p = examples_dir().join(name).join("scenario.toml");
    corridor_io::scenario::read_scenario(&p)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .scenario
}

fn run(sc: &Scenario, seed: u64) -> RunOutput {
    let out = simulate(
        sc,
        &RunOptions {
            seed,
            ..Default::default()
        },
    )
    .expect("run");
    check_books(sc, &out);
    out
}

/// Every identity between the day records that must hold on every day.
fn check_books(sc: &Scenario, out: &RunOutput) {
    let mut spawned = 0;
    let (mut admitted, mut encountered) = (0u64, 0u64);
    for d in &out.days {
        let a = d.accounting;
        assert!(a.balances(), "day {}: {:?}", d.day, a);
        spawned += d.spawned_today;
        assert_eq!(a.spawned, spawned, "day {}", d.day);
        assert_eq!(a.at_locations, d.population.iter().sum::<u64>());
        assert_eq!(a.on_links, d.on_links_toward.iter().sum::<u64>());
        assert_eq!(a.in_queues, d.queue.iter().sum::<u64>());
        assert_eq!(a.in_queues, d.ports.iter().map(|p| p.queue).sum::<u64>());
        assert_eq!(
            d.total_agents,
            a.at_locations + a.on_links + a.in_queues + a.in_transit
        );
        admitted += d.admitted.iter().sum::<u64>();
        encountered += d.encountered.iter().sum::<u64>();
        assert_eq!(a.admitted, admitted, "day {}", d.day);
        assert_eq!(a.encountered, encountered, "day {}", d.day);
        assert_eq!(
            d.checkpoints.iter().sum::<u64>(),
            d.intercepted.iter().sum::<u64>()
        );
        assert_eq!(d.ports.len(), sc.border.ports.len());
        for (p, pd) in sc.border.ports.iter().zip(&d.ports) {
            assert_eq!(pd.admitted, pd.by_appointment + pd.walk_up);
            assert_eq!(pd.admitted, d.admitted[p.location]);
            assert_eq!(pd.queue, d.queue[p.location]);
        }
        for l in 0..sc.locations.len() {
            let (s, u) = (d.sheltered[l], d.unsheltered[l]);
            assert!(s + u == d.population[l] || s + u == 0, "day {} {l}", d.day);
        }
    }
}

fn admitted(out: &RunOutput) -> Vec<u64> {
    out.days.iter().map(|d| d.ports[0].admitted).collect()
}

fn port(location: usize, name: &str, city: usize, capacity: f64, walk_ups: bool) -> Port {
    Port {
        location,
        name: name.into(),
        border_city: city,
        field_office: "San Diego Field Office".into(),
        sector: "San Diego Sector".into(),
        capacity_per_day: capacity,
        open: true,
        walk_ups,
        queue: QueueDiscipline::Fifo,
    }
}

fn town(sc: &mut Scenario, name: &str, kind: LocationKind, people: u64) -> usize {
    let mut l = Location::new(name, kind);
    l.initial_idps = people;
    sc.add_location(l)
}

/// examples/port-capacity: 250 waiting, 100 a day → 100, 100, 50, 0, 0.
#[test]
fn port_capacity_admits_100_100_50() {
    let sc = example("port-capacity");
    let out = run(&sc, 1);
    assert_eq!(admitted(&out), vec![100, 100, 50, 0, 0]);
    let queue: Vec<u64> = out.days.iter().map(|d| d.ports[0].queue).collect();
    assert_eq!(queue, vec![150, 50, 0, 0, 0]);
    assert!(out.days.iter().all(|d| d.ports[0].by_appointment == 0));
    // Everyone joined on day 0: the day-2 admissions waited 2 days.
    assert_eq!(out.days[2].ports[0].mean_wait_days, 2.0);
    assert_eq!(out.days[4].accounting.admitted, 250);
}

/// examples/port-closure: closed on days 3–5 (a dated and a day-numbered event).
#[test]
fn closed_port_admits_nobody_and_keeps_its_queue() {
    let sc = example("port-closure");
    let out = run(&sc, 1);
    assert_eq!(admitted(&out), vec![100, 100, 100, 0, 0, 0, 100, 100]);
    let open: Vec<bool> = out.days.iter().map(|d| d.ports[0].open).collect();
    assert_eq!(
        open,
        vec![true, true, true, false, false, false, true, true]
    );
    let queue: Vec<u64> = out.days.iter().map(|d| d.ports[0].queue).collect();
    assert_eq!(queue, vec![900, 800, 700, 700, 700, 700, 600, 500]);
}

/// A → B with a checkpoint intercepting everyone (p = 1), relocating to R after
/// 2 days: nobody arrives at B, everybody appears at R on day 2.
#[test]
fn certain_interception_relocates_everyone_after_the_delay() {
    let mut sc = Scenario::new("cp", Date(0), 4);
    let a = town(&mut sc, "A", LocationKind::Town, 100);
    let b = town(&mut sc, "B", LocationKind::Camp, 0);
    let r = town(&mut sc, "R", LocationKind::Camp, 0);
    sc.link("A", "B", 30.0);
    sc.settings.move_rules.default_movechance = 1.0;
    sc.settings.move_rules.camp_movechance = 0.0;
    sc.settings.move_rules.max_move_speed = 200.0;
    sc.border.checkpoints.push(Checkpoint {
        name: "garita".into(),
        from: a,
        to: b,
        both_directions: false,
        probability: 1.0,
        relocate_to: r,
        delay_days: 2,
    });
    let out = run(&sc, 3);
    let d0 = &out.days[0];
    assert_eq!(d0.departed[a], 100);
    assert_eq!(d0.arrived[b], 0);
    assert_eq!(d0.checkpoints, vec![100]);
    assert_eq!(d0.intercepted[a], 100);
    assert_eq!(d0.accounting.in_transit, 100);
    assert_eq!(out.days[1].accounting.in_transit, 100);
    assert_eq!(out.days[1].checkpoints, vec![0]);
    let d2 = &out.days[2];
    assert_eq!(d2.accounting.in_transit, 0);
    assert_eq!(d2.arrived[r], 100);
    assert_eq!(d2.population[r], 100);
    assert!(out.days.iter().all(|d| d.population[b] == 0));
}

/// examples/checkpoint: from day 5 the probability is 1, so everyone who leaves
/// Tapachula (towards Huixtla, its only neighbour, 40 km at 100 km/day) is
/// intercepted that day; before, about half are.
#[test]
fn checkpoint_event_acts_from_its_day() {
    let sc = example("checkpoint");
    let out = run(&sc, 11);
    let tap = 0;
    let (mut before, mut left_before) = (0, 0);
    for d in &out.days {
        if d.day >= 5 {
            assert_eq!(d.checkpoints[0], d.departed[tap], "day {}", d.day);
        } else {
            before += d.checkpoints[0];
            left_before += d.departed[tap];
        }
    }
    let share = before as f64 / left_before as f64;
    assert!((share - 0.5).abs() < 0.06, "{share} of {left_before}");
}

/// Holders are admitted before walk-ups: 20 walk-ups queue on day 0 at a port
/// taking 5 a day; the 10 people in the City win appointments for day 1.
#[test]
fn appointment_holders_are_admitted_before_walk_ups() {
    let mut sc = Scenario::new("appt", Date(0), 7);
    let city = town(&mut sc, "City", LocationKind::Town, 10);
    let p = town(&mut sc, "Port", LocationKind::Port, 20);
    sc.link("City", "Port", 5.0);
    sc.settings.move_rules.default_movechance = 0.0;
    sc.settings.move_rules.max_move_speed = 200.0;
    sc.border.ports.push(port(p, "Port", city, 5.0, true));
    sc.border.appointments = Some(AppointmentPool {
        per_day: 10.0,
        shares: vec![1.0],
        request_probability: 1.0,
        eligible: vec![city],
        allocation: Allocation::Fifo,
        lead_days: 1,
    });
    let out = run(&sc, 5);
    let by_appt: Vec<u64> = out.days.iter().map(|d| d.ports[0].by_appointment).collect();
    let walk: Vec<u64> = out.days.iter().map(|d| d.ports[0].walk_up).collect();
    assert_eq!(by_appt, vec![0, 5, 5, 0, 0, 0, 0]);
    assert_eq!(walk, vec![5, 0, 0, 5, 5, 5, 0]);
    let queue: Vec<u64> = out.days.iter().map(|d| d.ports[0].queue).collect();
    assert_eq!(queue, vec![15, 20, 15, 10, 5, 0, 0]);
    // Holders walked over on day 1 and waited 0 and 1 days; the last walk-ups 5.
    assert_eq!(out.days[1].ports[0].mean_wait_days, 0.0);
    assert_eq!(out.days[2].ports[0].mean_wait_days, 1.0);
    assert_eq!(out.days[5].ports[0].mean_wait_days, 5.0);
    assert_eq!(out.days[0].population[city], 10);
    assert_eq!(out.days[1].arrived[p], 10);
    assert_eq!(out.days[6].accounting.admitted, 30);
}

/// Holders go to *their* port by the shortest open path, with move chance 1,
/// passing a city where everyone else stays; nobody else moves.
#[test]
fn holders_travel_to_their_port_and_others_stay() {
    let mut sc = Scenario::new("holders", Date(0), 12);
    let cdmx = town(&mut sc, "CDMX", LocationKind::Town, 300);
    let mid = town(&mut sc, "Mid", LocationKind::Town, 0);
    let tj = town(&mut sc, "Tijuana", LocationKind::Town, 0);
    let mat = town(&mut sc, "Matamoros", LocationKind::Town, 0);
    let sy = town(&mut sc, "San Ysidro", LocationKind::Port, 0);
    let bv = town(&mut sc, "Brownsville", LocationKind::Port, 0);
    sc.link("CDMX", "Mid", 300.0);
    sc.link("Mid", "Tijuana", 300.0);
    sc.link("CDMX", "Tijuana", 900.0);
    sc.link("CDMX", "Matamoros", 400.0);
    sc.link("Tijuana", "San Ysidro", 5.0);
    sc.link("Matamoros", "Brownsville", 5.0);
    sc.settings.move_rules.default_movechance = 0.0;
    sc.settings.move_rules.max_move_speed = 250.0;
    sc.border.ports = vec![
        port(sy, "San Ysidro", tj, 1000.0, false),
        port(bv, "Brownsville", mat, 1000.0, false),
    ];
    sc.border.appointments = Some(AppointmentPool {
        per_day: 100.0,
        shares: vec![0.6, 0.4],
        request_probability: 1.0,
        eligible: vec![cdmx],
        allocation: Allocation::Lottery,
        lead_days: 0,
    });
    let out = run(&sc, 9);
    // Day 0: 100 winners (60 San Ysidro, 40 Brownsville) still at CDMX.
    assert_eq!(out.days[0].population[cdmx], 300);
    // Day 1: all 100 on the road, via Mid (600 km) for San Ysidro.
    assert_eq!(out.days[1].population[cdmx], 200);
    assert_eq!(out.days[1].on_links_toward[mid], 60);
    assert_eq!(out.days[1].on_links_toward[mat], 40);
    // Day 2: Brownsville's 40 arrive (400 + 5 km) and are admitted (overdue).
    assert_eq!(out.days[2].ports[1].admitted, 40);
    assert_eq!(out.days[2].ports[1].by_appointment, 40);
    // San Ysidro's 60: 605 km at 250 km/day, admitted on day 3.
    assert_eq!(out.days[3].ports[0].admitted, 60);
    let last = out.days.last().unwrap();
    assert_eq!(last.accounting.admitted, 300);
    assert!(out.days.iter().all(|d| d.arrived[tj] == d.departed[tj]));
}

/// Inflows in "expected" mode: per day ⌊carry + rate⌋, so the run's total is
/// ⌊Σ rate⌋; the example halves the rate from 2023-12-20 (day 19).
#[test]
fn inflow_totals_are_the_floor_of_the_summed_rates() {
    let sc = example("inflow");
    let out = run(&sc, 1);
    let series = &sc.border.inflows[0].series;
    let mut sum = 0.0;
    for d in &out.days {
        let scale = if d.day >= 19 { 0.5 } else { 1.0 };
        let rate = series.value_f64(d.day as i64) * scale;
        sum += rate;
        let n = d.spawned_today as f64;
        assert!(
            n >= rate.floor() - 1.0 && n <= rate.ceil() + 1.0,
            "day {}",
            d.day
        );
        // Totals to date stay within one agent of the summed rates.
        assert!((d.accounting.spawned as f64 - sum.floor()).abs() <= 1.0);
    }
    assert_eq!(
        out.days.last().unwrap().accounting.spawned,
        sum.floor() as u64
    );
    // 794/day on 12-15 (day 14) rising to 1161 on 01-15 (day 45): 841.4 on day 18,
    // then halved: 426.6 on day 19.
    assert!((841..=842).contains(&out.days[18].spawned_today));
    assert!((426..=427).contains(&out.days[19].spawned_today));
    // New people appear at Ciudad Hidalgo (and act the same day).
    let d0 = &out.days[0];
    assert_eq!(
        d0.spawned_today + d0.arrived[0],
        d0.population[0] + d0.departed[0]
    );
}

/// examples/caravan with nobody else moving: 600 of 800 agents leave Tapachula on
/// day 4 at 11.7 km/day; at Mapastepec (104 km, day 12) 180 continue, 360 take
/// papers (in transit to Huixtla for 1 day) and 60 leave; the 180 end at
/// Pijijiapan (147 km) on day 16.
#[test]
fn caravan_walks_and_disperses() {
    let mut sc = example("caravan");
    sc.settings.move_rules.default_movechance = 0.0;
    let (tap, hui, map, pij) = (0, 1, 2, 3);
    let out = run(&sc, 4);
    let d = |t: usize| &out.days[t];
    assert_eq!(d(3).population[tap], 800);
    assert_eq!(d(4).population[tap], 200);
    assert_eq!(d(4).departed[tap], 600);
    assert_eq!(d(4).on_links_toward[hui], 600);
    assert_eq!(d(6).on_links_toward[hui], 600);
    assert_eq!(d(7).arrived[hui], 600);
    assert_eq!(d(7).on_links_toward[map], 600);
    assert_eq!(d(11).on_links_toward[map], 600);
    assert_eq!(d(12).arrived[map], 600);
    assert_eq!(d(12).population[map], 240);
    assert_eq!(d(12).accounting.in_transit, 360);
    assert_eq!(d(13).population[hui], 360);
    assert_eq!(d(13).arrived[hui], 360);
    assert_eq!(d(13).population[map], 60);
    assert_eq!(d(13).on_links_toward[pij], 180);
    assert_eq!(d(15).on_links_toward[pij], 180);
    assert_eq!(d(16).population[pij], 180);
    let last = out.days.last().unwrap();
    assert_eq!(
        (
            last.population[tap],
            last.population[hui],
            last.population[map],
            last.population[pij]
        ),
        (200, 360, 60, 180)
    );
    assert_eq!(last.accounting.spawned, 800);
}

/// A caravan of new people (`source = "new"`) is counted as spawned.
#[test]
fn caravan_of_new_people_is_spawned() {
    let mut sc = Scenario::new("new", Date(0), 5);
    let a = town(&mut sc, "A", LocationKind::Town, 0);
    let b = town(&mut sc, "B", LocationKind::Town, 0);
    sc.link("A", "B", 20.0);
    sc.settings.move_rules.default_movechance = 0.0;
    sc.border.caravans.push(Caravan {
        name: "c".into(),
        day: 1,
        origin: a,
        size: 50,
        source: CaravanSource::New,
        path: vec![b],
        speed_km_per_day: 15.0,
        dispersals: vec![Dispersal {
            at: DispersalAt::Day(1),
            continue_share: 0.5,
            papers_share: 0.0,
            relocate_to: None,
            delay_days: 1,
        }],
    });
    let out = run(&sc, 2);
    assert_eq!(out.days[0].accounting.spawned, 0);
    assert_eq!(out.days[1].spawned_today, 50);
    // Day 1: all walk 15 km; half leave the group on the road and go on alone.
    assert_eq!(out.days[1].on_links_toward[b], 50);
    // Day 2: the 25 members reach B (20 km) and the caravan ends; the 25 who left
    // travel on by Flee's rules (at 360 km/day they reach B too).
    assert_eq!(out.days[2].population[b], 50);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

/// Hazard 1: everyone reaching the border city crosses the day they arrive.
#[test]
fn certain_crossing_encounters_everyone_on_arrival() {
    let mut sc = Scenario::new("cross", Date::parse("2023-12-31").unwrap(), 4);
    town(&mut sc, "A", LocationKind::Town, 100);
    let city = town(&mut sc, "City", LocationKind::Camp, 0);
    sc.link("A", "City", 50.0);
    sc.settings.move_rules.default_movechance = 1.0;
    sc.settings.move_rules.camp_movechance = 0.0;
    sc.settings.move_rules.max_move_speed = 30.0;
    sc.border.crossings.push(CrossingPoint {
        name: "City".into(),
        border_city: city,
        sector: "El Paso Sector".into(),
        hazard: 1.0,
        slope: 0.0,
        max_hazard: 1.0,
    });
    let out = run(&sc, 8);
    let enc: Vec<u64> = out.days.iter().map(|d| d.encountered[city]).collect();
    assert_eq!(enc, vec![0, 100, 0, 0]);
    assert!(out.days.iter().all(|d| d.population[city] == 0));
    assert_eq!(out.days[1].arrived[city], 100);
    // Monthly: December 0, January 100 for the sector.
    let m = monthly(&sc.border, sc.start_date, &out.days, 1);
    let got: Vec<(String, &str, String, u64)> = m
        .into_iter()
        .map(|r| (r.month, r.component, r.area_of_responsibility, r.encounters))
        .collect();
    assert_eq!(
        got,
        vec![
            ("2023-12".into(), USBP, "El Paso Sector".into(), 0),
            ("2024-01".into(), USBP, "El Paso Sector".into(), 100)
        ]
    );
    let _ = OFO;
}

/// examples/shelter: 700 beds, 900 from day 5 (few people leave so the town
/// stays above 900).
#[test]
fn shelter_capacity_event_acts_from_its_day() {
    let mut sc = example("shelter");
    sc.settings.move_rules.default_movechance = 0.03;
    let out = run(&sc, 2);
    for d in &out.days {
        let pop = d.population[0];
        assert!(pop > 900, "day {}: {pop}", d.day);
        let beds = if d.day < 5 { 700 } else { 900 };
        assert_eq!(d.sheltered[0], beds, "day {}", d.day);
        assert_eq!(d.unsheltered[0], pop - beds);
        assert_eq!(d.sheltered[1], 0);
    }
}

/// close_link / open_link events act like Flee link closures: nobody arrives over
/// the closed link while it is closed (days 2–4), and arrivals resume later.
#[test]
fn link_events_close_and_reopen_links() {
    let mut sc = Scenario::new("links", Date(0), 12);
    town(&mut sc, "A", LocationKind::Town, 2000);
    let b = town(&mut sc, "B", LocationKind::Town, 0);
    let c = town(&mut sc, "C", LocationKind::Camp, 0);
    sc.link("A", "B", 100.0);
    sc.link("B", "C", 100.0);
    sc.settings.move_rules.max_move_speed = 60.0;
    sc.settings.move_rules.default_movechance = 0.5;
    sc.settings.move_rules.camp_movechance = 0.0;
    sc.border.events = vec![
        Event {
            day: 2,
            action: Action::CloseLink { from: b, to: c },
        },
        Event {
            day: 5,
            action: Action::OpenLink { from: c, to: b },
        },
    ];
    let out = run(&sc, 6);
    for t in 2..5 {
        assert_eq!(out.days[t].arrived[c], 0, "day {t}");
        assert_eq!(out.days[t].on_links_toward[c], 0, "day {t}");
    }
    assert!(out.days[1].on_links_toward[c] > 0);
    assert!(out.days[6..].iter().map(|d| d.arrived[c]).sum::<u64>() > 100);
}

/// Every example, base and every variant: the books balance every day.
#[test]
fn conservation_in_every_example_and_variant() {
    let mut names: Vec<String> = std::fs::read_dir(examples_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("scenario.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 9, "{names:?}");
    for name in &names {
        let sc = example(name);
        let mut scenarios = vec![sc.clone()];
        for v in &sc.border.variants {
            let mut s = sc.clone();
            s.border.apply_variant(&v.name).unwrap();
            scenarios.push(s);
        }
        for s in &scenarios {
            for seed in [1, 2] {
                let out = run(s, seed);
                assert_eq!(out.days.len(), s.days as usize, "{name}");
            }
        }
    }
}

/// examples/variants: each variant moves its lever the expected way.
#[test]
fn example_variants_move_outputs() {
    let sc = example("variants");
    let with = |v: &str| {
        let mut s = sc.clone();
        s.border.apply_variant(v).unwrap();
        run(&s, 7)
    };
    let total = |o: &RunOutput, f: fn(&DayRecord) -> u64| o.days.iter().map(f).sum::<u64>();
    let base = with("baseline");
    let closed = with("ports_stay_closed");
    let contain = with("stronger_containment");
    let appts = with("appointments_doubled");
    // Eagle Pass (port 0) admits nobody from Dec 18 on when it stays closed.
    assert!(closed.days[17..].iter().all(|d| d.ports[0].admitted == 0));
    assert!(total(&closed, |d| d.ports[0].admitted) < total(&base, |d| d.ports[0].admitted));
    let icp = |d: &DayRecord| d.checkpoints[0];
    assert!(total(&contain, icp) > total(&base, icp));
    // Appointments are scarce (30 a day for up to ~80 requesters): doubling them
    // admits more people, all by appointment (the ports take no walk-ups).
    let adm = |d: &DayRecord| d.ports.iter().map(|p| p.admitted).sum::<u64>();
    let by_appt = |d: &DayRecord| d.ports.iter().map(|p| p.by_appointment).sum::<u64>();
    assert!(
        total(&appts, adm) as f64 > 1.3 * total(&base, adm) as f64,
        "doubled {} vs base {}",
        total(&appts, adm),
        total(&base, adm)
    );
    assert_eq!(total(&appts, by_appt), total(&appts, adm));
}

/// A busy scenario with every process: enough agents for several chunks per thread.
fn busy() -> Scenario {
    let mut sc = Scenario::new("busy", Date::parse("2023-11-01").unwrap(), 40);
    let names = ["S0", "S1", "M0", "M1", "M2", "C0", "C1", "P0", "P1"];
    for (i, n) in names.iter().enumerate() {
        let kind = match i {
            5 | 6 => LocationKind::Camp,
            7 | 8 => LocationKind::Port,
            _ => LocationKind::Town,
        };
        let mut l = Location::new(n, kind);
        l.initial_idps = if i == 0 { 5000 } else { 0 };
        if i == 2 {
            l.shelter_capacity = Some(800);
        }
        sc.add_location(l);
    }
    for (a, b, d) in [
        ("S0", "S1", 40.0),
        ("S1", "M0", 120.0),
        ("S0", "M1", 200.0),
        ("M0", "M1", 80.0),
        ("M1", "M2", 150.0),
        ("M0", "C0", 400.0),
        ("M2", "C1", 300.0),
        ("M2", "C0", 250.0),
        ("C0", "P0", 5.0),
        ("C1", "P1", 5.0),
    ] {
        sc.link(a, b, d);
    }
    let m = &mut sc.settings.move_rules;
    m.awareness_level = 5;
    m.camp_weight = 5.0;
    m.max_move_speed = 150.0;
    m.start_on_foot = true;
    m.avoid_short_stints = true;
    let mut p0 = port(7, "P0", 5, 180.5, true);
    p0.queue = QueueDiscipline::Random;
    let mut p1 = port(8, "P1", 6, 90.0, true);
    p1.field_office = "Laredo Field Office".into();
    p1.sector = "Laredo Sector".into();
    sc.border = Border {
        ports: vec![p0, p1],
        appointments: Some(AppointmentPool {
            per_day: 150.0,
            shares: vec![0.7, 0.3],
            request_probability: 0.3,
            eligible: vec![3, 4, 5, 6],
            allocation: Allocation::Mixed { fifo_share: 0.5 },
            lead_days: 5,
        }),
        checkpoints: vec![
            Checkpoint {
                name: "k0".into(),
                from: 1,
                to: 2,
                both_directions: true,
                probability: 0.2,
                relocate_to: 0,
                delay_days: 2,
            },
            Checkpoint {
                name: "k1".into(),
                from: 3,
                to: 4,
                both_directions: false,
                probability: 0.1,
                relocate_to: 1,
                delay_days: 3,
            },
        ],
        inflows: vec![Inflow {
            location: 0,
            series: Series::new(vec![(0, 800.0), (39, 1300.0)]),
        }],
        crossings: vec![
            CrossingPoint {
                name: "C0".into(),
                border_city: 5,
                sector: "San Diego Sector".into(),
                hazard: 0.1,
                slope: 0.05,
                max_hazard: 0.4,
            },
            CrossingPoint {
                name: "C1".into(),
                border_city: 6,
                sector: "Laredo Sector".into(),
                hazard: 0.05,
                slope: 0.0,
                max_hazard: 1.0,
            },
        ],
        caravans: vec![Caravan {
            name: "c".into(),
            day: 10,
            origin: 0,
            size: 3000,
            source: CaravanSource::Waiting,
            path: vec![1, 2],
            speed_km_per_day: 20.0,
            dispersals: vec![Dispersal {
                at: DispersalAt::Place(1),
                continue_share: 0.5,
                papers_share: 0.3,
                relocate_to: Some(3),
                delay_days: 2,
            }],
        }],
        events: vec![
            Event {
                day: 12,
                action: Action::ClosePort { port: 1 },
            },
            Event {
                day: 20,
                action: Action::OpenPort { port: 1 },
            },
            Event {
                day: 15,
                action: Action::CloseLink { from: 3, to: 4 },
            },
        ],
        shelter_full_weight: 0.5,
        ..Border::default()
    };
    sc
}

#[test]
fn border_runs_do_not_depend_on_threads() {
    let sc = busy();
    let with = |threads: usize, seed: u64| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| run(&sc, seed))
    };
    let one = with(1, 3);
    assert!(one.days.last().unwrap().accounting.spawned > 40_000);
    let last = one.days.last().unwrap().accounting;
    assert!(last.admitted > 0 && last.encountered > 0 && last.in_queues > 0);
    assert!(one.days.iter().any(|d| d.accounting.in_transit > 0));
    assert_eq!(one, with(4, 3));
    assert_eq!(one, with(3, 3));
    assert_ne!(one.days, with(1, 4).days);
}
