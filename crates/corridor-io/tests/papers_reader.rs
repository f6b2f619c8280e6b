//! `[[papers]]` offices and the `relocate` event in scenario files: what they
//! read into, and the errors (file, line, key) for bad values.

use corridor_io::scenario::read_scenario_str;
use corridor_model::border::{Action, DayRange, PapersOffice};
use corridor_model::Scenario;

const LOCS: &str = "name,kind,lat,lon\nA,town,14.9,-92.3\nB,town,16.4,-95.0\nC,town,16.7,-93.1\n";
const ROUTES: &str = "from,to,distance_km\nA,B,400\nB,C,200\n";
const HEAD: &str = "name = \"t\"\nstart_date = \"2023-09-01\"\ndays = 40\n\n[rules]\noptimisations.hasten = 10\n\n[tables]\nlocations = \"locations.csv\"\nroutes = \"routes.csv\"\n";

fn read(tail: &str) -> Result<Scenario, String> {
    let files = |p: &str| -> Option<String> {
        match p {
            "locations.csv" => Some(LOCS.into()),
            "routes.csv" => Some(ROUTES.into()),
            _ => None,
        }
    };
    read_scenario_str("scenario.toml", &format!("{HEAD}{tail}"), &files)
        .map(|i| i.scenario)
        .map_err(|e| e.to_string())
}

const OFFICE: &str = "\n[[papers]]\nlocation = \"A\"\nseek_share = 0.3\ndays_min = 56\ndays_max = 70\ngive_up_share = 0.2\ngive_up_days_min = 7\ngive_up_days_max = 28\nbus_to = \"C\"\nbus_days = 2\n";

#[test]
fn an_office_and_a_relocation() {
    let s = read(&format!(
        "{OFFICE}\n[[events]]\ndate = \"2023-09-26\"\naction = \"relocate\"\nfrom = \"A\"\nto = \"B\"\npeople = 8152\ndelay_days = 1\n"
    ))
    .unwrap();
    assert_eq!(
        s.border.papers,
        vec![PapersOffice {
            location: 0,
            seek_share: 0.3,
            days: DayRange { min: 56, max: 70 },
            give_up_share: 0.2,
            give_up_days: DayRange { min: 7, max: 28 },
            bus_to: Some(2),
            bus_days: 2,
        }]
    );
    let e = &s.border.events[0];
    assert_eq!(e.day, 25);
    // People are divided by hasten (10), as every count of people.
    assert_eq!(
        e.action,
        Action::Relocate {
            from: 0,
            to: 1,
            people: 815,
            delay_days: 1
        }
    );
    assert_eq!(e.action.name(), "relocate");
    assert!(e
        .describe(&s)
        .contains("move 815 people waiting for papers at A to B"));
}

#[test]
fn defaults_without_give_up_or_bus() {
    let s = read("\n[[papers]]\nlocation = \"B\"\nseek_share = 1\ndays_min = 10\n").unwrap();
    let o = &s.border.papers[0];
    assert_eq!(o.days, DayRange { min: 10, max: 10 });
    assert_eq!((o.give_up_share, o.bus_to), (0.0, None));
}

#[test]
fn bad_values_name_file_line_and_key() {
    assert_eq!(
        read("\n[[papers]]\nlocation = \"A\"\nseek_share = 1.5\ndays_min = 5\n").unwrap_err(),
        "scenario.toml:14: key 'papers[1].seek_share': expected a number between 0 and 1, found 1.5"
    );
    assert_eq!(
        read("\n[[papers]]\nlocation = \"A\"\nseek_share = 0.5\ndays_min = 9\ndays_max = 5\n")
            .unwrap_err(),
        "scenario.toml:16: papers[1].days_max: 5 is below papers[1].days_min (9)"
    );
    assert!(read(
        "\n[[papers]]\nlocation = \"A\"\nseek_share = 0.5\ndays_min = 9\ngive_up_share = 0.1\n"
    )
    .unwrap_err()
    .contains("give_up_days_min"));
    assert!(read(
        "\n[[papers]]\nlocation = \"A\"\nseek_share = 0.5\ndays_min = 9\nbus_to = \"C\"\n"
    )
    .unwrap_err()
    .contains("bus_days"));
    assert!(
        read("\n[[papers]]\nlocation = \"Z\"\nseek_share = 0.5\ndays_min = 9\n")
            .unwrap_err()
            .contains("'Z'")
    );
    assert!(read(&format!("{OFFICE}{OFFICE}"))
        .unwrap_err()
        .contains("a second papers office at 'A'"));
    // A relocation moves people waiting for papers: its origin needs an office.
    assert_eq!(
        read("\n[[events]]\nday = 3\naction = \"relocate\"\nfrom = \"B\"\nto = \"C\"\npeople = 10\ndelay_days = 1\n")
            .unwrap_err(),
        "scenario.toml:15: events[1].from: no [[papers]] office at 'B' (a relocation moves people waiting for papers)"
    );
}
