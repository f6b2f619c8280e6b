//! network.json: the scenario's locations, links and ports of entry by name.

use super::{loc_name, people_per_agent, to_json, WriteError};
use corridor_model::scenario::Scenario;
use serde::Serialize;

#[derive(Serialize)]
struct NetLocation<'a> {
    name: &'a str,
    kind: &'static str,
    lat: f64,
    lon: f64,
    country: &'a str,
    region: &'a str,
}

#[derive(Serialize)]
struct NetLink<'a> {
    from: &'a str,
    to: &'a str,
    distance_km: f64,
}

#[derive(Serialize)]
struct NetPort<'a> {
    name: &'a str,
    location: &'a str,
    border_city: &'a str,
    field_office: &'a str,
    sector: &'a str,
    /// People per open day on day 0, as given in ports.csv.
    capacity_per_day: f64,
}

#[derive(Serialize)]
struct Network<'a> {
    locations: Vec<NetLocation<'a>>,
    links: Vec<NetLink<'a>>,
    /// Ports of entry, in ports.csv order.
    ports: Vec<NetPort<'a>>,
}

/// network.json: locations, links and ports of entry by name, in scenario order.
pub fn render_network_json(scenario: &Scenario) -> Result<String, WriteError> {
    let locs = &scenario.locations;
    let hasten = people_per_agent(scenario) as f64;
    let net = Network {
        locations: locs
            .iter()
            .map(|l| NetLocation {
                name: &l.name,
                kind: l.kind.as_str(),
                lat: l.lat,
                lon: l.lon,
                country: &l.country,
                region: &l.region,
            })
            .collect(),
        links: scenario
            .links
            .iter()
            .map(|k| NetLink {
                from: &locs[k.from].name,
                to: &locs[k.to].name,
                distance_km: k.distance_km,
            })
            .collect(),
        ports: scenario
            .border
            .ports
            .iter()
            .map(|p| NetPort {
                name: &p.name,
                location: loc_name(scenario, p.location),
                border_city: loc_name(scenario, p.border_city),
                field_office: &p.field_office,
                sector: &p.sector,
                capacity_per_day: p.capacity_per_day * hasten,
            })
            .collect(),
    };
    to_json("network.json", &net)
}
