//! The report's sections, built from loaded run data: header, summary, network,
//! populations, validation, ports, monthly encounters, interceptions, and for a
//! compare directory the variants side by side.
//!
//! A section is only emitted when its files exist and hold something to show
//! (e.g. interceptions only when some are non-zero). Ensemble values carry p5–p95
//! bands drawn around the median; totals over places, ports or days are computed
//! from ensemble means (means add up, medians do not) and say so.

use corridor_model::Date;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::chart::{
    color, legend, legend_for_lines, month_labels, multiples, BarChart, Bars, LegendItem, Line,
    LineChart, Mark, Size, Span, Style, XAxis,
};
use crate::dates;
use crate::error::ReportError;
use crate::html::{
    esc, ident, json_scalar, num, num_fixed, page, slug, table, words, Header, Section,
};
use crate::load::{
    self, Place, Pt, RunData, ENCOUNTERED, INTERCEPTED, POPULATION, P_ADMITTED, P_BY_APPOINTMENT,
    P_MEAN_WAIT, P_QUEUE, P_WALK_UP, UNSHELTERED,
};
use crate::map;

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Lines in one chart (more get hard to tell apart).
const MAX_LINES: usize = 8;
/// Panels in one set of small multiples.
const MAX_PANELS: usize = 12;
/// Ports with less than this share of all admissions are left out of the
/// mean-wait charts.
const LOW_VOLUME_SHARE: f64 = 0.01;
/// Colour of observed data in validation panels.
const OBSERVED: &str = "#33404a";

// ---------------------------------------------------------------- helpers

fn x_axis(run: &RunData) -> XAxis {
    if run.day0.is_some() {
        XAxis::Dates
    } else {
        XAxis::Days
    }
}

fn x_of(run: &RunData, day: i64) -> f64 {
    (run.day0.unwrap_or(0) + day) as f64
}

fn date_of(run: &RunData, day: i64) -> String {
    match run.day0 {
        Some(d0) => dates::long(d0 + day),
        None => format!("day {day}"),
    }
}

/// A chart line from a series: the median/value, with the band for ensembles.
fn series_line(run: &RunData, name: &str, color: &str, pts: &[Pt]) -> Line {
    let mut l = Line::new(
        name,
        color,
        pts.iter().map(|p| (x_of(run, p.day), p.mid)).collect(),
    );
    if run.ensemble {
        l.band = pts.iter().map(|p| (p.lo, p.hi)).collect();
    }
    l
}

fn peak(pts: &[Pt]) -> f64 {
    pts.iter().map(|p| p.mid).fold(0.0, f64::max)
}

/// Sum over days, from means (equal to the values for a single run).
fn total(pts: &[Pt]) -> f64 {
    pts.iter().map(|p| p.mean).filter(|v| v.is_finite()).sum()
}

/// Day-by-day sum of several series (means).
fn sum_by_day<'a>(series: impl Iterator<Item = &'a [Pt]>) -> Vec<(i64, f64)> {
    let mut m: BTreeMap<i64, f64> = BTreeMap::new();
    for s in series {
        for p in s {
            if p.mean.is_finite() {
                *m.entry(p.day).or_insert(0.0) += p.mean;
            }
        }
    }
    m.into_iter().collect()
}

fn cumulative(v: &[(i64, f64)]) -> Vec<(i64, f64)> {
    let mut acc = 0.0;
    v.iter()
        .map(|&(d, x)| {
            acc += x;
            (d, acc)
        })
        .collect()
}

/// Calendar month of a day (`YYYY-MM`), or a 30-day block when dates are unknown.
fn period_key(run: &RunData, day: i64) -> String {
    match run.day0 {
        Some(d0) => Date(d0 + day).month_label(),
        None => {
            let b = day.div_euclid(30) * 30;
            format!("days {b}–{}", b + 29)
        }
    }
}

/// Sums a series (means) per month: (month keys in order, values).
fn by_month(run: &RunData, pts: &[Pt]) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    for p in pts {
        if p.mean.is_finite() {
            *m.entry(period_key(run, p.day)).or_insert(0.0) += p.mean;
        }
    }
    m
}

/// Sorts months; `days a–b` keys sort by their first day.
fn sort_periods(keys: &mut [String]) {
    keys.sort_by_key(|k| {
        let first: i64 = k
            .strip_prefix("days ")
            .and_then(|r| r.split('–').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(i64::MIN);
        (first, k.clone())
    });
}

/// Indices of the `n` items with the largest key, ties by original order; items
/// with a key of zero or less are dropped.
fn top_by(keys: &[f64], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..keys.len()).filter(|&i| keys[i] > 0.0).collect();
    idx.sort_by(|&a, &b| keys[b].total_cmp(&keys[a]).then(a.cmp(&b)));
    idx.truncate(n);
    idx
}

fn is_camp(kind: &str) -> bool {
    kind == "camp" || kind == "idpcamp"
}

/// A number with sensible precision: whole numbers as such, small fractions
/// with three decimals, others with one.
fn smart(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        num(v, 0)
    } else if v.abs() < 10.0 {
        num(v, 3)
    } else {
        num(v, 1)
    }
}

fn note(text: &str) -> String {
    format!("<p class=\"note\">{text}</p>")
}

fn card(value: &str, key: &str) -> String {
    format!(
        "<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
        value,
        esc(key)
    )
}

/// Rows (key, value) for the scalar entries of a JSON object, one level of
/// nesting flattened as `key: sub key`.
fn kv_rows(obj: &serde_json::Map<String, Value>) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (k, v) in obj {
        if let Some(s) = json_scalar(v) {
            rows.push(vec![esc(&words(k)), esc(&s)]);
        } else if let Value::Object(inner) = v {
            for (k2, v2) in inner {
                if let Some(s) = json_scalar(v2) {
                    rows.push(vec![
                        format!("{}: {}", esc(&words(k)), esc(&words(k2))),
                        esc(&s),
                    ]);
                }
            }
        }
    }
    rows
}

/// A table of an array of JSON objects: columns are the union of scalar keys,
/// `first` keys (when present) leading.
fn objects_table(items: &[&serde_json::Map<String, Value>], first: &[&str]) -> Option<String> {
    let mut cols: Vec<String> = Vec::new();
    for f in first {
        if items.iter().any(|o| o.contains_key(*f)) {
            cols.push(f.to_string());
        }
    }
    for o in items {
        for (k, v) in o.iter() {
            if json_scalar(v).is_some() && !cols.contains(k) {
                cols.push(k.clone());
            }
        }
    }
    if cols.is_empty() || items.is_empty() {
        return None;
    }
    let header: Vec<String> = cols.iter().map(|c| esc(&words(c))).collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|o| {
            cols.iter()
                .map(|c| esc(&o.get(c).and_then(json_scalar).unwrap_or_default()))
                .collect()
        })
        .collect();
    Some(table("data", &header, &rows))
}

/// "on D (5–95%: A – B)" from a band of dates `{p5, p50, p95}`, or "on D" when
/// every run peaked on the same day.
fn date_band(v: &Value) -> Option<String> {
    let day = |k: &str| v.get(k).and_then(Value::as_str).and_then(dates::parse);
    let mid = day("p50")?;
    match (day("p5"), day("p95")) {
        (Some(a), Some(b)) if a != b => Some(format!(
            "median date {}; 5–95%: {} – {}",
            dates::long(mid),
            dates::long(a),
            dates::long(b)
        )),
        _ => Some(format!("on {}", dates::long(mid))),
    }
}

/// Median and p5–p95 from an ensemble statistics object `{mean, p5, p50, p95}`,
/// with `decimals` decimals (0 for people: whole numbers).
fn stat_text(v: &Value, decimals: usize) -> Option<String> {
    // The same decimals for the median and its band ("4.3, 3.5–5.0", not "3.5–5").
    let num = |x: f64, d: usize| if d == 0 { num(x, 0) } else { num_fixed(x, d) };
    let p50 = v.get("p50").and_then(Value::as_f64)?;
    let mut s = num(p50, decimals);
    if let (Some(a), Some(b)) = (
        v.get("p5").and_then(Value::as_f64),
        v.get("p95").and_then(Value::as_f64),
    ) {
        let _ = write!(
            s,
            "<span class=\"delta\">5–95%: {}–{}</span>",
            num(a, decimals),
            num(b, decimals)
        );
    }
    Some(s)
}

// ---------------------------------------------------------------- header

fn period_fact(run: &RunData) -> Option<String> {
    let start = run.summary_str("start_date").and_then(|s| dates::parse(&s));
    let end = run.summary_str("end_date").and_then(|s| dates::parse(&s));
    let start = start.or(run.day0);
    let end = end.or_else(|| Some(run.day0? + run.last_day()?));
    match (start, end) {
        (Some(a), Some(b)) => Some(format!("{} – {}", dates::long(a), dates::long(b))),
        (Some(a), None) => Some(format!("from {}", dates::long(a))),
        _ => None,
    }
}

fn runs_of(run: &RunData) -> Option<String> {
    run.summary
        .get("ensemble")?
        .get("runs")
        .and_then(json_scalar)
}

fn seed_of(run: &RunData) -> Option<String> {
    if run.ensemble {
        run.summary
            .get("ensemble")
            .and_then(|e| e.get("seed"))
            .and_then(ident)
            .or_else(|| run.summary.get("seed").and_then(ident))
    } else {
        run.summary.get("seed").and_then(ident)
    }
}

fn run_facts(run: &RunData) -> Vec<(String, String)> {
    let mut f = Vec::new();
    if let Some(v) = variant_of(run) {
        f.push(("Variant".into(), esc(&v)));
    }
    if let Some(p) = period_fact(run) {
        f.push(("Period".into(), esc(&p)));
    }
    if let Some(d) = run.summary.get("days").and_then(json_scalar) {
        f.push(("Days".into(), esc(&d)));
    }
    if run.ensemble {
        if let Some(r) = runs_of(run) {
            f.push(("Runs".into(), esc(&r)));
        }
        if let Some(s) = seed_of(run) {
            f.push(("Base seed".into(), esc(&s)));
        }
    } else if let Some(s) = seed_of(run) {
        f.push(("Seed".into(), esc(&s)));
    }
    if let Some(k) = run.summary_str("input_kind") {
        let k = match k.as_str() {
            "flee" => "Flee instance".to_string(),
            "scenario" => "corridor scenario".to_string(),
            _ => k,
        };
        f.push(("Input".into(), esc(&k)));
    }
    if let Some(e) = run.summary_str("engine") {
        f.push(("Engine".into(), esc(&e)));
    }
    if let Some(h) = run.summary.get("hasten").and_then(json_scalar) {
        f.push(("Hasten".into(), esc(&h)));
    }
    if let Some(v) = run.summary_str("corridor_version") {
        f.push(("Version".into(), esc(&v)));
    }
    f
}

/// The policy variant the run applied (summary.json `variant`), if any.
fn variant_of(run: &RunData) -> Option<String> {
    run.summary_str("variant").filter(|v| !v.is_empty())
}

fn scenario_name(run: &RunData) -> String {
    run.summary_str("scenario")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "corridor run".into())
}

// ---------------------------------------------------------------- run page

/// The page for a single run or an ensemble.
pub fn run_page(run: &RunData) -> String {
    let subtitle = if run.ensemble {
        match runs_of(run) {
            Some(n) => format!("Ensemble of {n} runs"),
            None => "Ensemble".into(),
        }
    } else {
        "Single run".into()
    };
    let subtitle = match variant_of(run) {
        Some(v) => format!("{subtitle} of the policy variant “{v}”"),
        None => subtitle,
    };
    let header = Header {
        title: scenario_name(run),
        subtitle,
        facts: run_facts(run),
    };
    let mut sections = vec![summary_section(run)];
    let mut map_data = None;
    if let Some(m) = run.network.as_ref().and_then(|n| map::network_map(n, run)) {
        sections.push(Section {
            id: "network".into(),
            title: "Network".into(),
            body: m.html,
        });
        map_data = m.data;
    }
    sections.extend(places_section(run));
    sections.extend(validation_section(run));
    sections.extend(observed_encounters_section(run));
    sections.extend(ports_section(run));
    sections.extend(monthly_section(run));
    sections.extend(interceptions_section(run));
    page(&header, &sections, map_data.as_deref(), VERSION)
}

fn summary_section(run: &RunData) -> Section {
    let mut b = String::new();
    if run.ensemble {
        b.push_str(&note(
            "Every chart of this ensemble shows the median of the runs as a line and the \
             5th–95th percentile as a shaded band. Totals over places, ports or days are \
             sums of ensemble means.",
        ));
    }
    let mut tables = String::new();
    let mut balance = String::new();
    if run.ensemble {
        b.push_str(&ensemble_cards(run));
    }
    if let Some(Value::Object(acc)) = run.summary.get("accounting") {
        b.push_str(&top_cards(run, acc));
        const ORDER: [&str; 8] = ACCOUNTING_ORDER;
        let mut ordered = serde_json::Map::new();
        let mut rows = Vec::new();
        for k in ORDER {
            if let Some(v) = acc.get(k) {
                ordered.insert(k.to_string(), v.clone());
                rows.extend(kv_rows(&ordered));
                ordered.clear();
            }
        }
        for (k, v) in acc.iter().filter(|(k, _)| !ORDER.contains(&k.as_str())) {
            ordered.insert(k.clone(), v.clone());
        }
        rows.extend(kv_rows(&ordered));
        let _ = write!(
            tables,
            "<div><h3>Where everyone is at the end</h3>{}</div>",
            table("kv", &["state".into(), "people".into()], &rows)
        );
        if let Some(ok) = run
            .summary
            .get("accounting_balances_every_day")
            .and_then(Value::as_bool)
        {
            balance = note(if ok {
                "Every person is accounted for on every day (created = at locations + on links + \
                 in queues + in transit + admitted + encountered + removed)."
            } else {
                "<strong>Warning:</strong> the accounting of people does not balance on every day."
            });
        }
    }
    let mut internal = String::new();
    if let Some(Value::Object(t)) = run.summary.get("totals") {
        let (people, agents) = totals_tables(t);
        if let Some(people) = people {
            let _ = write!(tables, "<div><h3>Totals over the run</h3>{people}</div>");
        }
        internal.push_str(&agents.unwrap_or_default());
    }
    if let Some(Value::Object(fin)) = run.summary.get("ensemble").and_then(|e| e.get("final")) {
        let (people, agents) = final_table(fin);
        if let Some(t) = people {
            let _ = write!(tables, "<div><h3>At the end, across the runs</h3>{t}</div>");
        }
        internal.push_str(&agents.unwrap_or_default());
    }
    if !tables.is_empty() {
        let _ = write!(b, "<div class=\"kv-row\">{tables}</div>");
    }
    if !internal.is_empty() {
        let _ = write!(
            b,
            "<details><summary>Accounting (agent events)</summary>{}{internal}</details>",
            note(
                "Internal counters of the simulation, not numbers of people: events summed over \
                 days (one agent arrives at many locations) and agents (people ÷ hasten)."
            )
        );
    }
    b.push_str(&balance);
    if let Some(Value::Array(w)) = run.summary.get("warnings") {
        let items: Vec<String> = w
            .iter()
            .filter_map(|x| x.as_str())
            .map(|s| format!("<li>{}</li>", esc(s)))
            .collect();
        if !items.is_empty() {
            let _ = write!(
                b,
                "<h3>Warnings</h3><ul class=\"warnings\">{}</ul>",
                items.concat()
            );
        }
    }
    if let Some(Value::Array(inputs)) = run.summary.get("inputs") {
        let rows: Vec<Vec<String>> = inputs
            .iter()
            .map(|i| {
                let path = i.get("path").and_then(Value::as_str).unwrap_or("");
                let sha = i.get("sha256").and_then(Value::as_str).unwrap_or("");
                vec![esc(path), format!("<code>{}</code>", esc(sha))]
            })
            .collect();
        if !rows.is_empty() {
            let _ = write!(
                b,
                "<details><summary>Inputs ({} file{}, with SHA-256)</summary>{}</details>",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                table("inputs", &["file".into(), "sha256".into()], &rows)
            );
        }
    }
    if b.is_empty() {
        b = note("summary.json holds no accounting or totals.");
    }
    Section {
        id: "summary".into(),
        title: "Summary".into(),
        body: b,
    }
}

/// Totals of summary.json, ordered by meaning: (people, whole numbers, with
/// their units; the internal counters for the "accounting (agent events)"
/// detail). Zero and empty rows are left out.
fn totals_tables(t: &serde_json::Map<String, Value>) -> (Option<String>, Option<String>) {
    let mut people = Vec::new();
    for &(k, label, days) in TOTALS_PEOPLE {
        if let Some(v) = t.get(k).and_then(Value::as_f64).filter(|v| *v != 0.0) {
            people.push(vec![esc(label), num(v, if days { 1 } else { 0 })]);
        }
    }
    let mut agents = Vec::new();
    for (k, v) in t {
        if TOTALS_PEOPLE.iter().any(|p| p.0 == k) {
            continue;
        }
        let Some(x) = v.as_f64() else { continue };
        if INTERNAL.contains(&k.as_str()) {
            agents.push(vec![esc(&internal_label(k)), num(x, 0)]);
        } else if x != 0.0 {
            // Keys this report does not know yet: shown as they are named.
            people.push(vec![esc(&words(k)), smart(x)]);
        }
    }
    (
        (!people.is_empty()).then(|| table("kv", &["total".into(), "people".into()], &people)),
        (!agents.is_empty()).then(|| {
            table(
                "kv",
                &["counter (summary.json totals)".into(), "count".into()],
                &agents,
            )
        }),
    )
}

/// summary.json totals that count people, in reading order: (key, label,
/// whether the value is days rather than people).
const TOTALS_PEOPLE: &[(&str, &str, bool)] = &[
    ("spawned", "people created", false),
    ("admitted", "admitted at ports", false),
    ("by_appointment", "… by appointment", false),
    ("walk_up", "… walking up", false),
    ("mean_wait_days", "mean wait at ports (days)", true),
    ("encountered", "encountered between ports", false),
    (
        "intercepted",
        "interceptions at checkpoints (events: a person can be intercepted again)",
        false,
    ),
    ("in_queues", "waiting in port queues at the end", false),
    ("in_camps", "in camps at the end", false),
    (
        "observed_in_camps",
        "observed in camps at the end (data)",
        false,
    ),
];

/// Totals and final values that are internal counters (agent events or agents),
/// not numbers of people.
const INTERNAL: [&str; 4] = ["arrived", "total_agents", "spawned_today", "refugee_debt"];

/// Words for an internal counter, saying what it counts.
fn internal_label(key: &str) -> String {
    match key {
        "arrived" => "arrivals at locations (agent events, summed over days)".into(),
        "total_agents" => "agents in the simulation at the end".into(),
        "spawned_today" => "agents created on the last day".into(),
        "refugee_debt" => "refugee debt (Flee's deferred spawning, agents)".into(),
        k => words(k),
    }
}

/// The cards at the top, answer first. A corridor scenario run shows its key
/// numbers as summary.json gives them (`key_numbers`, people; one definition in
/// `corridor_model::key_numbers`); a Flee instance its people, camps and fit;
/// anything else (an ensemble, a scenario without a border, an older directory)
/// the accounting.
fn top_cards(run: &RunData, acc: &serde_json::Map<String, Value>) -> String {
    let mut cards = String::new();
    let get = |obj: Option<&Value>, k: &str| obj.and_then(|o| o.get(k)).and_then(Value::as_f64);
    // A scenario without ports, crossings or checkpoints has only zeros here.
    let keys = run.summary.get("key_numbers").filter(|k| {
        k.as_object()
            .is_some_and(|o| o.values().any(|v| v.as_f64().is_some_and(|x| x != 0.0)))
    });
    if run.is_flee() {
        if let Some(v) = acc.get("spawned").and_then(Value::as_f64) {
            cards.push_str(&card(&num(v, 0), "people created"));
        }
        if let Some(v) = get(run.summary.get("totals"), "in_camps") {
            cards.push_str(&card(&num(v, 0), "people in camps on the last day"));
        }
        if let Some(v) = get(run.summary.get("validation"), "ard") {
            cards.push_str(&card(&num(v, 3), "fit to camp data (ARD, lower is better)"));
        }
    } else if let Some(k) = keys {
        if let Some(v) = get(Some(k), "peak_waiting_at_border") {
            let when = k
                .get("peak_waiting_date")
                .and_then(Value::as_str)
                .and_then(dates::parse)
                .map(|d| format!(" (on {})", dates::long(d)))
                .unwrap_or_default();
            cards.push_str(&card(
                &num(v, 0),
                &format!("peak people waiting at the border{when}"),
            ));
        }
        if let Some(v) = get(Some(k), "mean_wait_days") {
            cards.push_str(&card(&num(v, 1), "mean wait at ports (days)"));
        }
        if let Some(v) = get(Some(k), "p90_wait_days") {
            cards.push_str(&card(
                &format!("≥ {}", num(v, 0)),
                "days waited by the longest-waiting 10% of those admitted",
            ));
        }
        for (key, label) in [
            ("admitted", "people admitted at ports"),
            ("encountered", "people encountered between ports"),
            ("people_intercepted", "people intercepted at checkpoints"),
            (
                "interception_events",
                "interceptions at checkpoints (events: a person can be intercepted again)",
            ),
            (
                "final_waiting_at_border",
                "people waiting at the border at the end",
            ),
        ] {
            if let Some(v) = get(Some(k), key) {
                cards.push_str(&card(&num(v, 0), label));
            }
        }
        cards.push_str(&fit_card(run));
    } else {
        for (key, label) in [
            ("spawned", "people created"),
            ("admitted", "admitted at ports"),
            ("encountered", "encountered between ports"),
            ("removed", "removed (reached a sink)"),
        ] {
            if let Some(v) = acc.get(key).and_then(Value::as_f64) {
                cards.push_str(&card(&num(v, 0), label));
            }
        }
    }
    format!("<div class=\"cards\">{cards}</div>")
}

/// A card with the fit to observed encounters over the calibration window, when
/// the run directory has it (summary.json `comparison.encounters.fit`).
fn fit_card(run: &RunData) -> String {
    let what = if run.ensemble {
        "fit of the runs' mean to CBP encounters, calibration months (ARD, lower is better)"
    } else {
        "fit to CBP encounters, calibration months (ARD, lower is better)"
    };
    calibration_fit(run)
        .map(|a| card(&num_fixed(a, 3), what))
        .unwrap_or_default()
}

/// The cards at the top of an ensemble, each the median of the runs with its
/// 5th–95th percentile band: the key numbers when summary.json has them as
/// statistics (`key_numbers`, `{mean, p5, p50, p95}` each; the peak's date as
/// `{p5, p50, p95}` dates) and not zero in every run, else (a Flee instance, a
/// scenario without a border) the people the runs admitted, encountered, left in
/// port queues and created (`ensemble.final`).
fn ensemble_cards(run: &RunData) -> String {
    let mut cards = String::new();
    let band = |v: Option<&Value>, label: &str, decimals: usize| -> String {
        v.and_then(|v| stat_text(v, decimals))
            .map(|t| card(&t, label))
            .unwrap_or_default()
    };
    let nonzero = |v: Option<&Value>| {
        v.and_then(|v| v.get("p95"))
            .and_then(Value::as_f64)
            .is_some_and(|x| x != 0.0)
    };
    if let Some(k) = run.summary.get("key_numbers").filter(|k| k.is_object()) {
        for (key, label, decimals) in [
            (
                "peak_waiting_at_border",
                "peak people waiting at the border",
                0,
            ),
            ("mean_wait_days", "mean wait at ports (days)", 1),
            (
                "p90_wait_days",
                "days waited by the longest-waiting 10% of those admitted (at least)",
                0,
            ),
            ("admitted", "people admitted at ports", 0),
            ("encountered", "people encountered between ports", 0),
            ("people_intercepted", "people intercepted at checkpoints", 0),
            (
                "interception_events",
                "interceptions at checkpoints (events: a person can be intercepted again)",
                0,
            ),
            (
                "final_waiting_at_border",
                "people waiting at the border at the end",
                0,
            ),
        ] {
            if !nonzero(k.get(key)) {
                continue;
            }
            let label = match (key, k.get("peak_waiting_date")) {
                ("peak_waiting_at_border", Some(d)) => match date_band(d) {
                    Some(when) => format!("{label} ({when})"),
                    None => label.to_string(),
                },
                _ => label.to_string(),
            };
            cards.push_str(&band(k.get(key), &label, decimals));
        }
    }
    if cards.is_empty() {
        if let Some(fin) = run.summary.get("ensemble").and_then(|e| e.get("final")) {
            for (key, label) in [
                ("admitted", "people admitted at ports"),
                ("encountered", "people encountered between ports"),
                ("in_queues", "people in port queues at the end"),
                ("in_camps", "people in camps at the end"),
                ("spawned", "people created"),
            ] {
                if nonzero(fin.get(key)) {
                    cards.push_str(&band(fin.get(key), label, 0));
                }
            }
        }
    }
    cards.push_str(&fit_card(run));
    if cards.is_empty() {
        return String::new();
    }
    format!(
        "<div class=\"cards\">{cards}</div>{}",
        note("Each card: the median of the runs; below it the 5th–95th percentile of the runs.")
    )
}

/// The accounting in the order of its identity; other keys follow in file order.
const ACCOUNTING_ORDER: [&str; 8] = [
    "spawned",
    "at_locations",
    "on_links",
    "in_queues",
    "in_transit",
    "admitted",
    "encountered",
    "removed",
];

/// Final values of an ensemble that count people, beyond the accounting.
const FINAL_PEOPLE: [(&str, &str); 1] = [("in_camps", "in camps")];

/// An ensemble's final totals (`{variable: {mean, p5, p50, p95}}`) as tables:
/// (people: the accounting in its order, then people in camps; the internal
/// counters for the "accounting (agent events)" detail).
fn final_table(fin: &serde_json::Map<String, Value>) -> (Option<String>, Option<String>) {
    let f = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let row = |label: String, v: &Value| {
        vec![
            esc(&label),
            num(f(v, "p50"), 0),
            format!("{}–{}", num(f(v, "p5"), 0), num(f(v, "p95"), 0)),
            num(f(v, "mean"), 0),
        ]
    };
    let mut people = Vec::new();
    for k in ACCOUNTING_ORDER {
        if let Some(v) = fin.get(k).filter(|v| v.is_object()) {
            people.push(row(words(k), v));
        }
    }
    for (k, label) in FINAL_PEOPLE {
        if let Some(v) = fin.get(k).filter(|v| v.is_object()) {
            people.push(row(label.to_string(), v));
        }
    }
    let mut agents = Vec::new();
    for (k, v) in fin {
        if !v.is_object()
            || ACCOUNTING_ORDER.contains(&k.as_str())
            || FINAL_PEOPLE.iter().any(|p| p.0 == k.as_str())
        {
            continue;
        }
        if INTERNAL.contains(&k.as_str()) {
            agents.push(row(internal_label(k), v));
        } else {
            people.push(row(words(k), v));
        }
    }
    let header = |first: &str| -> Vec<String> {
        vec![
            first.into(),
            "median".into(),
            "5th–95th percentile".into(),
            "mean".into(),
        ]
    };
    (
        (!people.is_empty()).then(|| table("kv", &header("people"), &people)),
        (!agents.is_empty()).then(|| table("kv", &header("counter at the end"), &agents)),
    )
}

fn places_section(run: &RunData) -> Option<Section> {
    let camps: Vec<&Place> = run.places.iter().filter(|p| is_camp(&p.kind)).collect();
    let (title, candidates): (&str, Vec<&Place>) = if run.is_flee() && !camps.is_empty() {
        ("People in camps", camps)
    } else {
        ("People at key places", run.places.iter().collect())
    };
    let n = if run.ensemble { MAX_PANELS } else { MAX_LINES };
    let peaks: Vec<f64> = candidates
        .iter()
        .map(|p| peak(&p.vars[POPULATION]))
        .collect();
    let chosen: Vec<&Place> = top_by(&peaks, n)
        .into_iter()
        .map(|i| candidates[i])
        .collect();
    if chosen.is_empty() {
        return None;
    }
    let mut b = note(&format!(
        "The {} location(s) with the highest peak population{} (people at the location, not \
         counting those on links or in port queues).",
        chosen.len(),
        if title == "People in camps" {
            " among the camps"
        } else {
            ""
        }
    ));
    if run.ensemble {
        let charts: Vec<LineChart> = chosen
            .iter()
            .map(|p| {
                let mut c = LineChart::new(&p.name, x_axis(run), "people");
                c.lines
                    .push(series_line(run, &p.name, color(0), &p.vars[POPULATION]));
                c
            })
            .collect();
        let key = series_line(run, "median of the runs", color(0), &[]);
        let mut key = key;
        key.band = vec![(0.0, 0.0)];
        b.push_str(&multiples(&charts, &legend_for_lines(&[key])));
    } else {
        let mut c = LineChart::new(title, x_axis(run), "people");
        for (i, p) in chosen.iter().enumerate() {
            c.lines
                .push(series_line(run, &p.name, color(i), &p.vars[POPULATION]));
        }
        b.push_str(&c.figure());
    }
    let rows: Vec<Vec<String>> = chosen
        .iter()
        .map(|p| {
            let s = &p.vars[POPULATION];
            let pk = s
                .iter()
                .fold(None::<&Pt>, |m, x| match m {
                    Some(m) if m.mid >= x.mid => Some(m),
                    _ => Some(x),
                })
                .copied();
            vec![
                esc(&p.name),
                esc(map::role_in(run.network.as_ref(), &p.name, &p.kind).label()),
                num(pk.map(|x| x.mid).unwrap_or(0.0), 0),
                esc(&pk.map(|x| date_of(run, x.day)).unwrap_or_default()),
                num(s.last().map(|x| x.mid).unwrap_or(0.0), 0),
            ]
        })
        .collect();
    b.push_str(&table(
        "data",
        &[
            "location".into(),
            "kind".into(),
            "peak people".into(),
            "peak on".into(),
            "people on the last day".into(),
        ],
        &rows,
    ));
    // Unsheltered people, where shelters overflow.
    let unsh: Vec<f64> = run
        .places
        .iter()
        .map(|p| peak(&p.vars[UNSHELTERED]))
        .collect();
    let top = top_by(&unsh, MAX_LINES);
    if !top.is_empty() {
        let mut c = LineChart::new(
            "People without a shelter bed (beyond shelter capacity)",
            x_axis(run),
            "people",
        );
        for (k, &i) in top.iter().enumerate() {
            let p = &run.places[i];
            c.lines
                .push(series_line(run, &p.name, color(k), &p.vars[UNSHELTERED]));
        }
        b.push_str(&c.figure());
    }
    Some(Section {
        id: "populations".into(),
        title: title.into(),
        body: b,
    })
}

/// A validation panel's simulated and observed series for one camp.
struct CampPanel {
    name: String,
    sim: Option<Line>,
    observed: Vec<(f64, f64)>,
}

fn validation_section(run: &RunData) -> Option<Section> {
    let validation = run.summary.get("validation").filter(|v| v.is_object());
    let ens = run.summary.get("ensemble");
    let mut panels: Vec<CampPanel> = Vec::new();
    let sim_line = |name: &str| -> Option<Line> {
        if let Some(p) = run.place(name) {
            if !p.vars[POPULATION].is_empty() {
                return Some(series_line(run, "simulated", color(0), &p.vars[POPULATION]));
            }
        }
        let c = run.out.as_ref()?.camps.iter().find(|c| c.name == name)?;
        Some(Line::new(
            "simulated",
            color(0),
            c.sim.iter().map(|&(d, v)| (x_of(run, d), v)).collect(),
        ))
    };
    if !run.observed.is_empty() {
        for o in &run.observed {
            panels.push(CampPanel {
                name: o.location.clone(),
                sim: sim_line(&o.location),
                observed: o.points.iter().map(|&(d, v)| (x_of(run, d), v)).collect(),
            });
        }
    } else if let Some(out) = &run.out {
        for c in out.camps.iter().filter(|c| !c.data.is_empty()) {
            panels.push(CampPanel {
                name: c.name.clone(),
                sim: sim_line(&c.name),
                observed: c.data.iter().map(|&(d, v)| (x_of(run, d), v)).collect(),
            });
        }
    }
    let ard_stats = ens.and_then(|e| e.get("ard")).filter(|v| v.is_object());
    if panels.is_empty() && validation.is_none() && ard_stats.is_none() {
        return None;
    }
    let mut b = String::new();
    let mut cards = String::new();
    if let Some(v) = validation {
        for (k, label) in [("ard", "ARD"), ("ard_rescaled", "rescaled ARD")] {
            if let Some(x) = v.get(k).and_then(Value::as_f64) {
                cards.push_str(&card(&num(x, 3), label));
            }
        }
    }
    if let Some(e) = ens {
        for (k, label) in [
            ("ard", "ARD (median of runs)"),
            ("ard_rescaled", "rescaled ARD (median of runs)"),
        ] {
            if let Some(t) = e.get(k).and_then(|v| stat_text(v, 3)) {
                cards.push_str(&card(&t, label));
            }
        }
    }
    if !cards.is_empty() {
        let _ = write!(b, "<div class=\"cards\">{cards}</div>");
        b.push_str(&note(
            "ARD (averaged relative difference) = mean over days of Σ<sub>camps</sub>|simulated − \
             observed| ÷ Σ<sub>camps</sub> observed; ARD/2 is roughly the share of people in the \
             wrong camp. The rescaled ARD first scales the simulated camp totals to the observed \
             total, so it measures where people go rather than how many.",
        ));
    }
    if !panels.is_empty() {
        let charts: Vec<LineChart> = panels
            .iter()
            .map(|p| {
                let mut c = LineChart::new(&p.name, x_axis(run), "people");
                if let Some(l) = &p.sim {
                    c.lines.push(l.clone());
                }
                let mut o = Line::new("observed", OBSERVED, p.observed.clone());
                o.style = Style::Dashed;
                c.lines.push(o);
                c
            })
            .collect();
        let mut sim = Line::new("simulated", color(0), Vec::new());
        if run.ensemble {
            sim.band = vec![(0.0, 0.0)];
        }
        let mut obs = Line::new("observed (data)", OBSERVED, Vec::new());
        obs.style = Style::Dashed;
        b.push_str("<h3>Simulated against observed, per camp</h3>");
        b.push_str(&multiples(&charts, &legend_for_lines(&[sim, obs])));
    }
    if let Some(out) = &run.out {
        if !out.total_error.is_empty() {
            let mut c = LineChart::new(
                "Daily error: Σ|simulated − observed| ÷ the raw observed count (out.csv “Total error”)",
                x_axis(run),
                "relative difference",
            );
            c.lines.push(Line::new(
                "Total error",
                color(3),
                out.total_error
                    .iter()
                    .map(|&(d, v)| (x_of(run, d), v))
                    .collect(),
            ));
            if let Some(a) = validation
                .and_then(|v| v.get("ard"))
                .and_then(Value::as_f64)
            {
                c.refs.push((a, format!("ARD {}", num(a, 3))));
            }
            b.push_str(&c.figure());
        }
    }
    if let Some(Value::Array(per)) = validation.and_then(|v| v.get("per_camp")) {
        let items: Vec<&serde_json::Map<String, Value>> =
            per.iter().filter_map(Value::as_object).collect();
        if let Some(t) = objects_table(&items, &["camp", "location", "name"]) {
            b.push_str("<h3>Per camp</h3>");
            b.push_str(&t);
        }
    }
    if let Some(values) = ard_stats
        .and_then(|a| a.get("values"))
        .and_then(Value::as_array)
    {
        let vals: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
        if vals.len() >= 2 {
            b.push_str(&histogram(
                &vals,
                "ARD of each run: number of runs per ARD interval",
                "runs",
            ));
        }
    }
    Some(Section {
        id: "validation".into(),
        title: "Simulated against observed".into(),
        body: b,
    })
}

/// A histogram of values as a bar chart with about eight nice bins.
fn histogram(vals: &[f64], title: &str, y_label: &str) -> String {
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let step = crate::chart::nice_step((hi - lo).max(1e-6), 8);
    let start = (lo / step).floor() * step;
    let nbins = (((hi - start) / step).floor() as usize + 1).min(50);
    let mut counts = vec![0.0; nbins];
    for v in vals {
        let i = (((v - start) / step).floor() as usize).min(nbins - 1);
        counts[i] += 1.0;
    }
    let d = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    let cats: Vec<String> = (0..nbins)
        .map(|i| {
            let a = start + step * i as f64;
            format!("{}–{}", num(a, d), num(a + step, d))
        })
        .collect();
    let chart = BarChart {
        title: title.into(),
        y_label: y_label.into(),
        labels: cats.iter().map(|c| (c.clone(), String::new())).collect(),
        categories: cats,
        series: vec![Bars {
            name: "runs".into(),
            color: color(0).into(),
            values: counts,
            whiskers: vec![],
        }],
        stacked: false,
        size: Size::Full,
    };
    chart.figure()
}

fn ports_section(run: &RunData) -> Option<Section> {
    if run.ports.is_empty() {
        return None;
    }
    let peaks: Vec<f64> = run.ports.iter().map(|p| peak(&p.vars[P_QUEUE])).collect();
    let mut order: Vec<usize> = (0..run.ports.len()).collect();
    order.sort_by(|&a, &b| peaks[b].total_cmp(&peaks[a]).then(a.cmp(&b)));
    let chosen: Vec<usize> = order
        .iter()
        .copied()
        .take(if run.ensemble { MAX_PANELS } else { MAX_LINES })
        .collect();
    let mut b = note(
        "Queues: people waiting at the port at the end of each day. Mean wait: days waited by \
         the people admitted that day (no value on days without admissions).",
    );
    // A mean over a handful of people swings widely and sets the scale for the
    // rest: the mean-wait charts leave out ports with under 1% of all admissions
    // (their waits stay in the table).
    let admitted_by_port: Vec<f64> = run
        .ports
        .iter()
        .map(|p| total(&p.vars[P_ADMITTED]))
        .collect();
    let all_admitted: f64 = admitted_by_port.iter().sum();
    let low_volume = |i: usize| admitted_by_port[i] < LOW_VOLUME_SHARE * all_admitted;
    let wait_ports: Vec<usize> = chosen.iter().copied().filter(|&i| !low_volume(i)).collect();
    let left_out: Vec<String> = chosen
        .iter()
        .copied()
        .filter(|&i| low_volume(i) && !run.ports[i].vars[P_MEAN_WAIT].is_empty())
        .map(|i| {
            format!(
                "{} ({} admitted)",
                esc(&run.ports[i].name),
                num(admitted_by_port[i], 0)
            )
        })
        .collect();
    let wait_note = if left_out.is_empty() {
        String::new()
    } else {
        note(&format!(
            "Left out of the mean waits below: {}, each with under {}% of all admissions, \
             so their daily means are over a few people; their mean waits are in the table \
             “Ports over the whole run”.",
            left_out.join(", "),
            num(LOW_VOLUME_SHARE * 100.0, 0)
        ))
    };
    // Mean wait only means something on days with admissions.
    let wait_line = |i: usize, k: usize| -> Line {
        let p = &run.ports[i];
        let mut l = series_line(run, &p.name, color(k), &p.vars[P_MEAN_WAIT]);
        // For an ensemble a zero mean means no run admitted anybody that day.
        let adm = &p.vars[P_ADMITTED];
        for (i, w) in p.vars[P_MEAN_WAIT].iter().enumerate() {
            let admitted = adm
                .binary_search_by_key(&w.day, |a| a.day)
                .map(|j| adm[j].mean)
                .unwrap_or(1.0);
            if admitted <= 0.0 {
                l.points[i].1 = f64::NAN;
                if let Some(b) = l.band.get_mut(i) {
                    *b = (f64::NAN, f64::NAN);
                }
            }
        }
        l
    };
    if run.ensemble {
        let qs: Vec<LineChart> = chosen
            .iter()
            .map(|&i| {
                let p = &run.ports[i];
                let mut c = LineChart::new(&p.name, x_axis(run), "people queued");
                c.lines
                    .push(series_line(run, "queue", color(0), &p.vars[P_QUEUE]));
                c
            })
            .collect();
        b.push_str("<h3>Queue at each port</h3>");
        let mut key = Line::new("median of the runs", color(0), Vec::new());
        key.band = vec![(0.0, 0.0)];
        b.push_str(&multiples(&qs, &legend_for_lines(&[key])));
        let ws: Vec<LineChart> = wait_ports
            .iter()
            .filter(|&&i| !run.ports[i].vars[P_MEAN_WAIT].is_empty())
            .map(|&i| {
                let mut c = LineChart::new(&run.ports[i].name, x_axis(run), "days");
                c.lines.push(wait_line(i, 1));
                c
            })
            .collect();
        if !ws.is_empty() {
            b.push_str("<h3>Mean wait of the people admitted</h3>");
            b.push_str(&wait_note);
            b.push_str(&multiples(&ws, ""));
        }
    } else {
        let mut q = LineChart::new("People waiting in each port's queue", x_axis(run), "people");
        let mut w = LineChart::new(
            "Mean wait of the people admitted each day",
            x_axis(run),
            "days",
        );
        let mut a = LineChart::new("People admitted per day", x_axis(run), "people per day");
        for (k, &i) in chosen.iter().enumerate() {
            let p = &run.ports[i];
            q.lines
                .push(series_line(run, &p.name, color(k), &p.vars[P_QUEUE]));
            if wait_ports.contains(&i) {
                w.lines.push(wait_line(i, k));
            }
            a.lines
                .push(series_line(run, &p.name, color(k), &p.vars[P_ADMITTED]));
        }
        for (c, extra) in [(q, ""), (w, wait_note.as_str()), (a, "")] {
            if !c.is_empty() {
                b.push_str(extra);
                b.push_str(&c.figure());
            }
        }
    }
    if run.day0.is_some() {
        let series: Vec<(String, BTreeMap<String, f64>)> = order
            .iter()
            .map(|&i| {
                let p = &run.ports[i];
                (p.name.clone(), by_month(run, &p.vars[P_ADMITTED]))
            })
            .collect();
        if let Some(chart) = stacked_months(
            &format!(
                "People admitted per month, by port{}",
                if run.ensemble { " (ensemble mean)" } else { "" }
            ),
            "people per month",
            series,
        ) {
            b.push_str(&chart.figure());
        }
    }
    let rows: Vec<Vec<String>> = order
        .iter()
        .map(|&i| {
            let p = &run.ports[i];
            let adm = &p.vars[P_ADMITTED];
            let waited: f64 = p.vars[P_MEAN_WAIT]
                .iter()
                .filter_map(|w| {
                    let j = adm.binary_search_by_key(&w.day, |a| a.day).ok()?;
                    Some(w.mean * adm[j].mean)
                })
                .filter(|v| v.is_finite())
                .sum();
            let admitted = total(adm);
            let mean_wait = if admitted > 0.0 {
                waited / admitted
            } else {
                f64::NAN
            };
            vec![
                esc(&p.name),
                num(peaks[i], 0),
                num(admitted, 0),
                num(total(&p.vars[P_BY_APPOINTMENT]), 0),
                num(total(&p.vars[P_WALK_UP]), 0),
                num(mean_wait, 1),
                match p.open_days {
                    Some(o) => format!("{o} of {}", p.days),
                    None => "–".into(),
                },
            ]
        })
        .collect();
    b.push_str("<h3>Ports over the whole run</h3>");
    if run.ensemble {
        b.push_str(&note(
            "Peak queue: highest daily median. Other columns: from ensemble means.",
        ));
    }
    b.push_str(&table(
        "data",
        &[
            "port".into(),
            "peak queue".into(),
            "admitted".into(),
            "by appointment".into(),
            "walk-up".into(),
            "mean wait (days)".into(),
            "days open".into(),
        ],
        &rows,
    ));
    if let Some(net) = &run.network {
        let items: Vec<&serde_json::Map<String, Value>> = net.ports.iter().collect();
        if let Some(t) = objects_table(&items, &["name", "location"]) {
            b.push_str("<details><summary>Port settings (network.json)</summary>");
            b.push_str(&t);
            b.push_str("</details>");
        }
    }
    Some(Section {
        id: "ports".into(),
        title: "Ports of entry: queues, waits and admissions".into(),
        body: b,
    })
}

/// A stacked monthly bar chart of named series, in the caller's order (which
/// also fixes the colours, so that a place or port keeps its colour across the
/// charts of a section); zero series are dropped and beyond seven the rest are
/// summed as "all others".
fn stacked_months(
    title: &str,
    y_label: &str,
    series: Vec<(String, BTreeMap<String, f64>)>,
) -> Option<BarChart> {
    let mut keys: Vec<String> = series.iter().flat_map(|(_, m)| m.keys().cloned()).collect();
    sort_periods(&mut keys);
    keys.dedup();
    let totals: Vec<f64> = series.iter().map(|(_, m)| m.values().sum()).collect();
    if keys.is_empty() || !totals.iter().any(|t| *t > 0.0) {
        return None;
    }
    let mut bars: Vec<Bars> = Vec::new();
    let mut other = vec![0.0; keys.len()];
    let mut has_other = false;
    for (k, (name, m)) in series.iter().enumerate() {
        if totals[k] <= 0.0 {
            continue;
        }
        let vals: Vec<f64> = keys
            .iter()
            .map(|key| m.get(key).copied().unwrap_or(0.0))
            .collect();
        if k < 7 || series.len() == 8 {
            bars.push(Bars {
                name: name.clone(),
                color: color(k).into(),
                values: vals,
                whiskers: vec![],
            });
        } else {
            has_other = true;
            for (o, v) in other.iter_mut().zip(vals) {
                *o += v;
            }
        }
    }
    if has_other {
        bars.push(Bars {
            name: "all others".into(),
            color: color(9).into(),
            values: other,
            whiskers: vec![],
        });
    }
    Some(BarChart {
        title: title.into(),
        y_label: y_label.into(),
        labels: month_labels(&keys),
        categories: keys.iter().map(|k| dates::month_label(k)).collect(),
        series: bars,
        stacked: true,
        size: Size::Full,
    })
}

fn component_title(component: &str, ensemble: bool) -> String {
    let m = if ensemble { " (ensemble mean)" } else { "" };
    match component {
        "U.S. Border Patrol" => {
            format!("Encounters between ports per month, by Border Patrol sector{m}")
        }
        "Office of Field Operations" => {
            format!("Encounters at ports (admissions) per month, by field office{m}")
        }
        c => format!("{c}: encounters per month, by area of responsibility{m}"),
    }
}

fn monthly_section(run: &RunData) -> Option<Section> {
    if run.monthly.is_empty() {
        return None;
    }
    let mut components: Vec<&str> = Vec::new();
    for m in &run.monthly {
        if !components.contains(&m.component.as_str()) {
            components.push(&m.component);
        }
    }
    let mut b = note(
        "Monthly counts in CBP's terms: the Office of Field Operations counts people \
         processed at ports of entry (by field office), the U.S. Border Patrol people \
         encountered between ports (by sector).",
    );
    let mut rows = Vec::new();
    for comp in &components {
        let rows_c: Vec<&load::Monthly> = run
            .monthly
            .iter()
            .filter(|m| m.component == *comp)
            .collect();
        let mut areas: Vec<&str> = Vec::new();
        for m in &rows_c {
            if !areas.contains(&m.area.as_str()) {
                areas.push(&m.area);
            }
        }
        let mut series: Vec<(String, BTreeMap<String, f64>)> = areas
            .iter()
            .map(|a| {
                let mut m = BTreeMap::new();
                for r in rows_c.iter().filter(|r| r.area == *a) {
                    *m.entry(r.month.clone()).or_insert(0.0) += r.value.mean;
                }
                (a.to_string(), m)
            })
            .collect();
        // Largest area first: at the bottom of the stack, first colour.
        let sums: Vec<f64> = series.iter().map(|(_, m)| m.values().sum()).collect();
        let mut idx: Vec<usize> = (0..series.len()).collect();
        idx.sort_by(|&a, &b| sums[b].total_cmp(&sums[a]).then(a.cmp(&b)));
        series = idx.iter().map(|&i| series[i].clone()).collect();
        let areas: Vec<&str> = idx.iter().map(|&i| areas[i]).collect();
        for (a, m) in &series {
            rows.push(vec![esc(comp), esc(a), num(m.values().sum::<f64>(), 0)]);
        }
        let _ = write!(b, "<h3 id=\"monthly-{}\">{}</h3>", slug(comp), esc(comp));
        if let Some(c) = stacked_months(
            &component_title(comp, run.ensemble),
            "people per month",
            series,
        ) {
            b.push_str(&c.figure());
        } else {
            b.push_str(&note("No encounters in this component."));
        }
        if run.ensemble {
            let mut months: Vec<String> = rows_c.iter().map(|r| r.month.clone()).collect();
            sort_periods(&mut months);
            months.dedup();
            let mut h = String::from("<div class=\"multiples\">");
            for (k, a) in areas.iter().enumerate() {
                let get = |m: &String| {
                    rows_c
                        .iter()
                        .find(|r| r.area == *a && &r.month == m)
                        .map(|r| r.value)
                };
                let vals: Vec<Option<Pt>> = months.iter().map(get).collect();
                let chart = BarChart {
                    title: a.to_string(),
                    y_label: "people per month".into(),
                    categories: months.iter().map(|k| dates::month_label(k)).collect(),
                    labels: month_labels(&months),
                    series: vec![Bars {
                        name: a.to_string(),
                        color: color(if k < 7 || areas.len() == 8 { k } else { 9 }).into(),
                        values: vals
                            .iter()
                            .map(|v| v.map(|p| p.mid).unwrap_or(0.0))
                            .collect(),
                        whiskers: vals
                            .iter()
                            .map(|v| v.map(|p| (p.lo, p.hi)).unwrap_or((0.0, 0.0)))
                            .collect(),
                    }],
                    stacked: false,
                    size: Size::Small,
                };
                let _ = write!(
                    h,
                    "<figure><figcaption>{}</figcaption>{}</figure>",
                    esc(a),
                    chart.svg()
                );
            }
            h.push_str("</div>");
            b.push_str(&note(
                "Per area: bars are the median of the runs, whiskers the 5th–95th percentile.",
            ));
            b.push_str(&h);
        }
    }
    b.push_str("<h3>Totals over the run</h3>");
    b.push_str(&table(
        "data",
        &[
            "component".into(),
            "area of responsibility".into(),
            "people".into(),
        ],
        &rows,
    ));
    Some(Section {
        id: "monthly".into(),
        title: "Admissions and encounters per month".into(),
        body: b,
    })
}

// ---------------------------------------------------------------- observed encounters

/// Shading of the windows of `[observations]` (warm-up, calibration, evaluation).
const WINDOW_FILLS: [(&str, &str, &str); 3] = [
    ("warm_up", "warm-up", "#d9d9d9"),
    ("calibration", "calibration", "#bcd7ee"),
    ("evaluation", "evaluation", "#d5ecd0"),
];

/// summary.json `comparison.encounters`: the observed monthly encounters' file,
/// windows and fit (written with the calibration's metric).
fn encounters_info(run: &RunData) -> Option<&Value> {
    run.summary
        .get("comparison")
        .and_then(|c| c.get("encounters"))
        .filter(|e| e.is_object())
}

/// The fit over the calibration window, as "0.123" (ARD), when there is one.
fn calibration_fit(run: &RunData) -> Option<f64> {
    encounters_info(run)?
        .get("fit")?
        .as_array()?
        .iter()
        .find(|f| f.get("window").and_then(Value::as_str) == Some("calibration"))?
        .get("ard")?
        .as_f64()
}

/// (label, from, to) of each window present, as day numbers.
fn window_spans(info: &Value) -> Vec<(&'static str, &'static str, i64, i64)> {
    let mut out = Vec::new();
    for (key, label, fill) in WINDOW_FILLS {
        let w = info.get("windows").and_then(|w| w.get(key));
        let day = |k: &str| {
            w.and_then(|w| w.get(k))
                .and_then(Value::as_str)
                .and_then(dates::parse)
        };
        if let (Some(a), Some(b)) = (day("from"), day("to")) {
            out.push((label, fill, a, b));
        }
    }
    out
}

/// The 15th of a month `YYYY-MM` as a day number: where a month's value is drawn.
fn mid_month(month: &str) -> Option<i64> {
    dates::parse(&format!("{month}-15"))
}

/// A monthly line: x at mid-month, with the band for ensembles.
fn month_line(name: &str, color: &str, pts: &[(i64, Pt)], band: bool) -> Line {
    let mut l = Line::new(
        name,
        color,
        pts.iter().map(|(x, p)| (*x as f64, p.mid)).collect(),
    );
    if band {
        l.band = pts.iter().map(|(_, p)| (p.lo, p.hi)).collect();
    }
    l
}

/// Observed beside simulated monthly encounters (observed_monthly.csv against
/// monthly.csv / monthly_stats.csv): the fit per window from summary.json (never
/// recomputed here), a chart per component and one panel per area both have, with
/// the windows shaded.
fn observed_encounters_section(run: &RunData) -> Option<Section> {
    if run.observed_monthly.is_empty() {
        return None;
    }
    let info = encounters_info(run);
    let spans: Vec<Span> = info
        .map(window_spans)
        .unwrap_or_default()
        .into_iter()
        .map(|(label, fill, a, b)| Span {
            // Whole days: a window ends at the end of its last day.
            from: a as f64,
            to: (b + 1) as f64,
            tag: label.to_string(),
            label: format!("{label} {} – {}", dates::long(a), dates::long(b)),
            fill,
        })
        .collect();
    let mut b = String::new();
    let file = info
        .and_then(|i| i.get("file"))
        .and_then(Value::as_str)
        .map(|f| format!(" ({})", esc(f)))
        .unwrap_or_default();
    let mut months: Vec<&str> = run
        .observed_monthly
        .iter()
        .map(|m| m.month.as_str())
        .collect();
    months.sort_unstable();
    months.dedup();
    let last = months
        .last()
        .map(|m| dates::month_label(m))
        .unwrap_or_default();
    let what = if run.ensemble {
        "the simulated line is the median of the runs with the 5th–95th percentile band; the fit \
         compares the runs' mean, as calibrate scores several runs"
    } else {
        "the simulated line is this run"
    };
    b.push_str(&note(&format!(
        "Observed: CBP's monthly encounters{file}, in people, up to {}; dashed. Simulated: \
         this scenario's monthly encounters in CBP's terms; {what}. Shaded: the scenario's \
         windows.",
        esc(&last)
    )));
    if let Some(info) = info {
        let window_rows: Vec<Vec<String>> = WINDOW_FILLS
            .iter()
            .filter_map(|(key, label, fill)| {
                let w = info.get("windows")?.get(key)?;
                let d = |k: &str| w.get(k)?.as_str().and_then(dates::parse);
                Some(vec![
                    format!("<span class=\"sw box\" style=\"background:{fill}\"></span> {label}"),
                    format!("{} – {}", dates::long(d("from")?), dates::long(d("to")?)),
                ])
            })
            .collect();
        let mut fit_rows = Vec::new();
        for f in info
            .get("fit")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let window = f.get("window").and_then(Value::as_str).unwrap_or("");
            let months: Vec<String> = f
                .get("months")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(dates::month_label)
                .collect();
            let n = |k: &str| f.get(k).and_then(Value::as_f64);
            let (ard, months_text) = match n("ard") {
                Some(a) => (num_fixed(a, 3), months.join(", ")),
                None => (
                    "—".to_string(),
                    format!(
                        "no observations in this window (the data end {})",
                        esc(&last)
                    ),
                ),
            };
            fit_rows.push(vec![
                esc(window),
                months_text,
                n("simulated").map(|v| num(v, 0)).unwrap_or_default(),
                n("observed").map(|v| num(v, 0)).unwrap_or_default(),
                ard,
                n("mare").map(|v| num_fixed(v, 3)).unwrap_or("—".into()),
            ]);
        }
        if !window_rows.is_empty() {
            let _ = write!(
                b,
                "<div class=\"kv-row\"><div><h3>Windows</h3>{}</div></div>",
                table("kv", &["window".into(), "dates".into()], &window_rows)
            );
        }
        if !fit_rows.is_empty() {
            let _ = write!(
                b,
                "<h3>Fit</h3>{}{}",
                table(
                    "fit",
                    &[
                        "window".into(),
                        "months compared".into(),
                        "simulated people".into(),
                        "observed people".into(),
                        "ARD (lower is better)".into(),
                        "mean relative error".into(),
                    ],
                    &fit_rows
                ),
                note(&esc(info.get("metric").and_then(Value::as_str).unwrap_or(
                    "ARD = Σ|simulated − observed| ÷ Σ observed over the cells compared"
                )))
            );
        }
    }
    // Simulated monthly values per (component, area), and the observed ones.
    let sim_of = |comp: &str, area: &str| -> Vec<(i64, Pt)> {
        let mut v: Vec<(i64, Pt)> = run
            .monthly
            .iter()
            .filter(|m| m.component == comp && m.area == area)
            .filter_map(|m| Some((mid_month(&m.month)?, m.value)))
            .collect();
        v.sort_by_key(|p| p.0);
        v
    };
    let obs_of = |comp: &str, area: &str| -> Vec<(i64, Pt)> {
        let mut v: Vec<(i64, Pt)> = run
            .observed_monthly
            .iter()
            .filter(|m| m.component == comp && m.area == area)
            .filter_map(|m| Some((mid_month(&m.month)?, m.value)))
            .collect();
        v.sort_by_key(|p| p.0);
        v
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut unmatched: Vec<String> = Vec::new();
    let mut not_modelled: Vec<String> = Vec::new();
    for m in &run.monthly {
        let p = (m.component.clone(), m.area.clone());
        let observed = run
            .observed_monthly
            .iter()
            .any(|o| o.component == p.0 && o.area == p.1);
        if observed && !pairs.contains(&p) {
            pairs.push(p);
        } else if !observed && !unmatched.contains(&p.1) {
            unmatched.push(p.1);
        }
    }
    for o in &run.observed_monthly {
        let simulated = run
            .monthly
            .iter()
            .any(|m| m.component == o.component && m.area == o.area);
        if !simulated && !not_modelled.contains(&o.area) {
            not_modelled.push(o.area.clone());
        }
    }
    // Components in file order; areas by observed total, largest first.
    let total_obs =
        |p: &(String, String)| -> f64 { obs_of(&p.0, &p.1).iter().map(|x| x.1.mid).sum() };
    let mut components: Vec<String> = Vec::new();
    for (c, _) in &pairs {
        if !components.contains(c) {
            components.push(c.clone());
        }
    }
    let legend_lines = [
        {
            let mut l = Line::new("simulated", color(0), vec![]);
            if run.ensemble {
                l.band = vec![(0.0, 0.0)];
            }
            l
        },
        Line {
            style: Style::Dashed,
            ..Line::new("observed (CBP)", OBSERVED, vec![])
        },
    ];
    for comp in &components {
        let mut ps: Vec<&(String, String)> = pairs.iter().filter(|p| &p.0 == comp).collect();
        ps.sort_by(|a, b| total_obs(b).total_cmp(&total_obs(a)).then(a.1.cmp(&b.1)));
        // The component's total: sums over areas (ensemble means: means add up).
        let mut sim_total: BTreeMap<i64, f64> = BTreeMap::new();
        let mut obs_total: BTreeMap<i64, f64> = BTreeMap::new();
        for p in &ps {
            for (x, v) in sim_of(&p.0, &p.1) {
                *sim_total.entry(x).or_insert(0.0) += v.mean;
            }
            for (x, v) in obs_of(&p.0, &p.1) {
                *obs_total.entry(x).or_insert(0.0) += v.mid;
            }
        }
        let mean = if run.ensemble { " (ensemble mean)" } else { "" };
        let title = match comp.as_str() {
            "U.S. Border Patrol" => {
                format!("Encounters between ports per month, all sectors compared{mean}")
            }
            "Office of Field Operations" => {
                format!("Encounters at ports per month, all field offices compared{mean}")
            }
            c => format!("{c}: encounters per month, all areas compared{mean}"),
        };
        let mut chart = LineChart::new(title, XAxis::Dates, "people per month");
        chart.lines.push(Line::new(
            "simulated",
            color(0),
            sim_total.iter().map(|(x, v)| (*x as f64, *v)).collect(),
        ));
        chart.lines.push(Line {
            style: Style::Dashed,
            ..Line::new(
                "observed (CBP)",
                OBSERVED,
                obs_total.iter().map(|(x, v)| (*x as f64, *v)).collect(),
            )
        });
        chart.spans = spans.clone();
        let _ = write!(
            b,
            "<h3 id=\"observed-{}\">{}</h3>{}",
            slug(comp),
            esc(comp),
            chart.figure()
        );
        let panels: Vec<LineChart> = ps
            .iter()
            .map(|p| {
                let mut c = LineChart::new(p.1.clone(), XAxis::Dates, "people per month");
                c.lines.push(month_line(
                    "simulated",
                    color(0),
                    &sim_of(&p.0, &p.1),
                    run.ensemble,
                ));
                c.lines.push(Line {
                    style: Style::Dashed,
                    ..month_line("observed (CBP)", OBSERVED, &obs_of(&p.0, &p.1), false)
                });
                c.spans = spans.clone();
                c
            })
            .collect();
        // The component's chart above has the legend; the panels add the band's.
        let panel_legend = if run.ensemble {
            legend_for_lines(&legend_lines)
        } else {
            String::new()
        };
        b.push_str(&multiples(&panels, &panel_legend));
    }
    if !unmatched.is_empty() {
        b.push_str(&note(&format!(
            "Simulated areas the CBP file does not have (not compared): {}.",
            esc(&unmatched.join(", "))
        )));
    }
    if !not_modelled.is_empty() {
        b.push_str(&note(&format!(
            "CBP areas this scenario does not model (not compared): {}.",
            esc(&not_modelled.join(", "))
        )));
    }
    Some(Section {
        id: "observed-encounters".into(),
        title: "Simulated against observed encounters".into(),
        body: b,
    })
}

fn interceptions_section(run: &RunData) -> Option<Section> {
    let totals: Vec<f64> = run
        .places
        .iter()
        .map(|p| total(&p.vars[INTERCEPTED]))
        .collect();
    let order = top_by(&totals, usize::MAX);
    if order.is_empty() {
        return None;
    }
    let m = if run.ensemble { " (ensemble mean)" } else { "" };
    let mut b = note(
        "People intercepted at checkpoints on links leaving each location (they are \
         relocated after a delay, so they may be intercepted again).",
    );
    let daily = sum_by_day(
        order
            .iter()
            .map(|&i| run.places[i].vars[INTERCEPTED].as_slice()),
    );
    let mut c = LineChart::new(
        format!("People intercepted per day, all checkpoints{m}"),
        x_axis(run),
        "people per day",
    );
    c.lines.push(Line::new(
        "intercepted",
        color(3),
        daily.iter().map(|&(d, v)| (x_of(run, d), v)).collect(),
    ));
    b.push_str(&c.figure());
    let series: Vec<(String, BTreeMap<String, f64>)> = order
        .iter()
        .map(|&i| {
            let p = &run.places[i];
            (p.name.clone(), by_month(run, &p.vars[INTERCEPTED]))
        })
        .collect();
    if let Some(chart) = stacked_months(
        &format!("People intercepted per month, by location{m}"),
        "people per month",
        series,
    ) {
        b.push_str(&chart.figure());
    }
    let rows: Vec<Vec<String>> = order
        .iter()
        .map(|&i| vec![esc(&run.places[i].name), num(totals[i], 0)])
        .collect();
    b.push_str(&table(
        "data",
        &["checkpoints leaving".into(), "people intercepted".into()],
        &rows,
    ));
    Some(Section {
        id: "interceptions".into(),
        title: "Interceptions".into(),
        body: b,
    })
}

// ---------------------------------------------------------------- compare

/// A compare directory: policy variants of one scenario.
pub struct Compare {
    pub scenario: Option<String>,
    pub variants: Vec<Variant>,
    /// compare.json `window`: first and last date over which peaks and waits
    /// are measured (absent in older files).
    pub window: Option<(String, String)>,
}

/// One variant: its name, directory (as written in compare.json), key numbers and data.
pub struct Variant {
    pub name: String,
    pub dir: String,
    /// compare.json `description`: what the variant is, in the scenario's words.
    pub description: String,
    /// compare.json `events`: what the variant changes, dated, in words.
    pub events: Vec<String>,
    pub key_numbers: Vec<(String, Value)>,
    /// compare.json `difference`: paired differences from the baseline per key
    /// number, `{mean, p5, p50, p95, within_noise}` (absent for the baseline).
    pub difference: Option<serde_json::Map<String, Value>>,
    /// compare.json `difference_by_day`: per series, arrays `p5`, `p50`, `p95`.
    pub difference_by_day: Option<serde_json::Map<String, Value>>,
    pub run: RunData,
}

/// Loads compare.json and every variant directory it names (their manifests
/// checked as `check` says).
pub fn load_compare(dir: &Path, check: load::Check) -> Result<Compare, ReportError> {
    let path = dir.join("compare.json");
    let v = load::read_json(&path)?;
    let bad = |field: String, message: &str| ReportError::BadField {
        path: path.clone(),
        field,
        message: message.into(),
    };
    let list = v
        .get("variants")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("variants".into(), "expected an array of variants"))?;
    if list.is_empty() {
        return Err(bad("variants".into(), "no variants listed"));
    }
    let mut variants = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("variants[{i}].name"), "expected a string"))?;
        let sub = match item.get("dir") {
            Some(Value::String(s)) => s.clone(),
            None => name.to_string(),
            Some(_) => return Err(bad(format!("variants[{i}].dir"), "expected a string")),
        };
        let key_numbers = match item.get("key_numbers") {
            Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                return Err(bad(
                    format!("variants[{i}].key_numbers"),
                    "expected an object",
                ))
            }
        };
        let description = item
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let events = item
            .get("events")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let difference = item.get("difference").and_then(Value::as_object).cloned();
        let difference_by_day = item
            .get("difference_by_day")
            .and_then(Value::as_object)
            .cloned();
        let vdir = dir.join(&sub);
        match crate::detect(&vdir)? {
            crate::DirKind::Compare => {
                return Err(bad(
                    format!("variants[{i}].dir"),
                    "a variant cannot itself be a compare directory",
                ))
            }
            _ => {
                let run = load::load_run_as(&vdir, check)?;
                variants.push(Variant {
                    name: name.to_string(),
                    dir: sub,
                    description,
                    events,
                    key_numbers,
                    difference,
                    difference_by_day,
                    run,
                });
            }
        }
    }
    Ok(Compare {
        scenario: v
            .get("scenario")
            .and_then(Value::as_str)
            .map(str::to_string),
        variants,
        window: v.get("window").and_then(|w| {
            let d = |k: &str| w.get(k).and_then(Value::as_str).map(str::to_string);
            Some((d("from")?, d("to")?))
        }),
    })
}

/// The page for a compare directory.
pub fn compare_page(cmp: &Compare) -> String {
    let first = &cmp.variants[0].run;
    let mut facts = run_facts(first);
    // The first variant's own facts that differ per variant are in the variants table.
    facts.retain(|(k, _)| !["Seed", "Runs", "Base seed", "Variant"].contains(&k.as_str()));
    facts.insert(0, ("Variants".into(), num(cmp.variants.len() as f64, 0)));
    let header = Header {
        title: cmp.scenario.clone().unwrap_or_else(|| scenario_name(first)),
        subtitle: format!("Comparison of {} policy variants", cmp.variants.len()),
        facts,
    };
    let mut sections = vec![variants_section(cmp), key_numbers_section(cmp)];
    let mut map_data = None;
    if let Some((v, m)) = cmp.variants.iter().find_map(|v| {
        v.run
            .network
            .as_ref()
            .and_then(|n| map::network_map(n, &v.run))
            .map(|m| (v, m))
    }) {
        sections.push(Section {
            id: "network".into(),
            title: "Network".into(),
            body: format!(
                "{}{}",
                note(&format!("Node sizes of variant “{}”.", esc(&v.name))),
                m.html
            ),
        });
        map_data = m.data;
    }
    sections.extend(compare_differences_section(cmp));
    sections.extend(compare_totals_section(cmp));
    sections.extend(compare_ports_section(cmp));
    sections.extend(compare_places_section(cmp));
    sections.extend(compare_monthly_section(cmp));
    page(&header, &sections, map_data.as_deref(), VERSION)
}

fn variant_legend(cmp: &Compare, band: bool) -> String {
    let items: Vec<LegendItem> = cmp
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| LegendItem {
            name: v.name.clone(),
            color: color(i).into(),
            mark: Mark::Line,
        })
        .collect();
    let mut h = legend(&items);
    if band {
        h = h.replacen(
            "</ul>",
            "<li><span class=\"sw band\" style=\"background:#4e79a7\"></span>shaded: 5th–95th percentile of the runs; line: median</li></ul>",
            1,
        );
    }
    h
}

fn variants_section(cmp: &Compare) -> Section {
    let rows: Vec<Vec<String>> = cmp
        .variants
        .iter()
        .map(|v| {
            let kind = if v.run.ensemble {
                match runs_of(&v.run) {
                    Some(n) => format!("ensemble of {n} runs"),
                    None => "ensemble".into(),
                }
            } else {
                "single run".into()
            };
            let changes = if v.events.is_empty() {
                "none (the base scenario's events only)".to_string()
            } else {
                v.events
                    .iter()
                    .map(|e| esc(e))
                    .collect::<Vec<_>>()
                    .join("<br>")
            };
            vec![
                esc(&v.name),
                esc(&v.description),
                changes,
                format!("<code>{}</code>", esc(&v.dir)),
                esc(&kind),
                esc(&seed_of(&v.run).unwrap_or_else(|| "–".into())),
            ]
        })
        .collect();
    let mut text = format!(
        "Each variant is the same scenario with a different list of policy events. \
         Differences below are against the first variant, “{}”",
        esc(&cmp.variants[0].name)
    );
    if cmp.variants.iter().any(|v| v.run.ensemble) {
        text.push_str(
            ", member by member: member i of every variant has the same seed, so each \
             difference is the median of the paired differences, with their 5th–95th \
             percentile as its band; a difference whose band contains 0 is \
             <strong>within noise</strong>",
        );
    }
    text.push('.');
    if let Some((from, to)) = &cmp.window {
        let _ = write!(
            text,
            " Peaks and waits are measured from {} (the first event among the variants; \
             before it every variant is the same) to {}; the other numbers are over the \
             whole run.",
            esc(&dates::pretty(from)),
            esc(&dates::pretty(to))
        );
    }
    let mut b = note(&text);
    b.push_str(&table(
        "data",
        &[
            "variant".into(),
            "what it is".into(),
            "what it changes, from when".into(),
            "directory".into(),
            "kind".into(),
            "seed".into(),
        ],
        &rows,
    ));
    Section {
        id: "variants".into(),
        title: "Variants".into(),
        body: b,
    }
}

/// A key number's value: a plain number, or the median of `{p5, p50, p95}`.
fn key_value(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.get("p50").and_then(Value::as_f64))
        .or_else(|| v.get("mean").and_then(Value::as_f64))
}

/// Whether a key number counts people (shown as whole numbers: ensemble means
/// and medians are rounded to whole people) rather than days or a ratio.
fn counts_people(key: &str) -> bool {
    ![
        "days", "ard", "ratio", "share", "rate", "fraction", "percent",
    ]
    .iter()
    .any(|w| key.contains(w))
}

fn key_cell(v: &Value, whole: bool) -> String {
    if let Some(x) = v.as_f64() {
        return if whole { num(x, 0) } else { smart(x) };
    }
    if let Some(t) = stat_text(v, if whole { 0 } else { 3 }) {
        return t;
    }
    // An ensemble's peak date: `{p5, p50, p95}` dates.
    if v.get("p50").and_then(Value::as_str).is_some() {
        if let Some(t) = date_band(v) {
            return esc(&t);
        }
    }
    esc(&json_scalar(v).unwrap_or_else(|| v.to_string()))
}

fn delta_cell(base: Option<f64>, v: Option<f64>, whole: bool) -> String {
    let (Some(b), Some(v)) = (base, v) else {
        return String::new();
    };
    let d = v - b;
    if d.abs() < if whole { 0.5 } else { 1e-12 } {
        return "<span class=\"delta\">no change</span>".into();
    }
    let sign = if d > 0.0 { "+" } else { "" };
    let pct = if b.abs() > 1e-12 {
        format!(" ({sign}{}%)", num_fixed(d / b.abs() * 100.0, 1))
    } else {
        String::new()
    };
    // Neutral colour: whether more is better depends on the number.
    let fmt = |x: f64| if whole { num(x, 0) } else { smart(x) };
    let d_txt = if d < 0.0 {
        fmt(d)
    } else {
        format!("+{}", fmt(d))
    };
    format!("<span class=\"delta\">{d_txt}{pct}</span>")
}

/// A signed number: `+1,234`, `−56`, `0`.
fn signed(x: f64, whole: bool) -> String {
    let t = if whole {
        num(x.abs(), 0)
    } else {
        smart(x.abs())
    };
    let zero = if whole { x.abs() < 0.5 } else { x == 0.0 };
    if zero {
        "0".into()
    } else if x < 0.0 {
        format!("−{t}")
    } else {
        format!("+{t}")
    }
}

/// A paired difference from the baseline, `{p5, p50, p95, within_noise}`: the
/// median with its 5th–95th percentile band (the section's note says so, which
/// keeps the columns narrow), and whether it is within noise. `None` for a single run
/// (`within_noise` null), which [`delta_cell`] shows instead.
fn paired_cell(d: &Value, whole: bool) -> Option<String> {
    let noise = d.get("within_noise").and_then(Value::as_bool)?;
    let p50 = d.get("p50").and_then(Value::as_f64)?;
    let p5 = d.get("p5").and_then(Value::as_f64).unwrap_or(p50);
    let p95 = d.get("p95").and_then(Value::as_f64).unwrap_or(p50);
    let all_zero = signed(p5, whole) == "0" && signed(p95, whole) == "0";
    if all_zero {
        return Some("<span class=\"delta\">no change in any run</span>".into());
    }
    let verdict = if noise {
        "<span class=\"noise\">within noise</span>"
    } else {
        "<span class=\"real\">beyond noise</span>"
    };
    Some(format!(
        "<span class=\"delta\">{} ({} to {})<br>{verdict}</span>",
        signed(p50, whole),
        signed(p5, whole),
        signed(p95, whole)
    ))
}

fn key_numbers_section(cmp: &Compare) -> Section {
    let mut keys: Vec<String> = Vec::new();
    for v in &cmp.variants {
        for (k, _) in &v.key_numbers {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let mut header = vec!["".to_string()];
    header.extend(cmp.variants.iter().map(|v| esc(&v.name)));
    let mut b = String::new();
    if !keys.is_empty() {
        let rows: Vec<Vec<String>> = keys
            .iter()
            .map(|k| {
                fn get<'a>(v: &'a Variant, k: &str) -> Option<&'a Value> {
                    v.key_numbers.iter().find(|(kk, _)| kk == k).map(|x| &x.1)
                }
                let base = get(&cmp.variants[0], k).and_then(key_value);
                let mut row = vec![esc(&words(k))];
                for (i, v) in cmp.variants.iter().enumerate() {
                    let cell = match get(v, k) {
                        Some(x) => {
                            let mut c = key_cell(x, counts_people(k));
                            if i > 0 {
                                let paired = v
                                    .difference
                                    .as_ref()
                                    .and_then(|d| d.get(k))
                                    .and_then(|d| paired_cell(d, counts_people(k)));
                                c.push_str(&paired.unwrap_or_else(|| {
                                    delta_cell(base, key_value(x), counts_people(k))
                                }));
                            }
                            c
                        }
                        None => "–".into(),
                    };
                    row.push(cell);
                }
                row
            })
            .collect();
        b.push_str("<h3>Key numbers (compare.json; people, waits in days)</h3>");
        if cmp
            .variants
            .iter()
            .any(|v| v.difference.is_some() && v.run.ensemble)
        {
            b.push_str(&note(&format!(
                "Under each value of an ensemble: the median of the runs and their 5th–95th \
                 percentile, then the difference from “{}”: the median of the paired \
                 differences (5th to 95th percentile), within or beyond noise.",
                esc(&cmp.variants[0].name)
            )));
        }
        b.push_str(&table("data compare", &header, &rows));
    }
    if b.is_empty() {
        b = note("No key numbers to compare.");
    }
    Section {
        id: "key-numbers".into(),
        title: "Key numbers side by side".into(),
        body: b,
    }
}

/// Difference-from-baseline charts (compare.json `difference_by_day`): one line
/// per variant after the first, the median of the paired differences with their
/// 5th–95th percentile band, and a zero line; overlaid lines of the variants
/// themselves would hide each other where the policies agree.
fn compare_differences_section(cmp: &Compare) -> Option<Section> {
    let base = &cmp.variants[0];
    let charts = [
        ("waiting_at_border", "People waiting at the border"),
        ("admitted", "People admitted at ports, cumulative"),
        (
            "encountered",
            "People encountered between ports, cumulative",
        ),
    ];
    let series = |v: &Variant, key: &str, q: &str| -> Vec<f64> {
        v.difference_by_day
            .as_ref()
            .and_then(|d| d.get(key))
            .and_then(|s| s.get(q))
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
            .unwrap_or_default()
    };
    let mut b = String::new();
    let mut any_band = false;
    for (key, title) in charts {
        let mut c = LineChart::new(
            format!("{title}: difference from “{}”", base.name),
            x_axis(&base.run),
            "people (variant − baseline)",
        );
        for (i, v) in cmp.variants.iter().enumerate().skip(1) {
            let mid = series(v, key, "p50");
            if mid.is_empty() {
                continue;
            }
            let x = |d: usize| x_of(&base.run, d as i64);
            let mut l = Line::new(
                &v.name,
                color(i),
                mid.iter().enumerate().map(|(d, &y)| (x(d), y)).collect(),
            );
            let (lo, hi) = (series(v, key, "p5"), series(v, key, "p95"));
            if lo.len() == mid.len() && hi.len() == mid.len() && lo != hi {
                l.band = lo.into_iter().zip(hi).collect();
                any_band = true;
            }
            c.lines.push(l);
        }
        let nonzero = c
            .lines
            .iter()
            .any(|l| l.points.iter().any(|p| p.1 != 0.0) || l.band.iter().any(|b| b.0 != b.1));
        if c.lines.is_empty() || !nonzero {
            continue;
        }
        c.refs.push((0.0, "no difference".into()));
        b.push_str(&c.figure());
    }
    if b.is_empty() {
        return None;
    }
    let mut intro = format!(
        "Each line is a variant minus “{}” on each day, in people: above 0 the variant has more.",
        esc(&base.name)
    );
    if any_band {
        intro.push_str(
            " Line: median of the paired differences (member i of each variant against \
             member i of the baseline, same seed); shaded: their 5th–95th percentile. Where \
             the band contains 0 the difference is within noise.",
        );
    }
    b.insert_str(0, &note(&intro));
    Some(Section {
        id: "compare-differences".into(),
        title: "Difference from baseline".into(),
        body: b,
    })
}

fn compare_totals_section(cmp: &Compare) -> Option<Section> {
    type Pick = fn(&RunData) -> Vec<(i64, f64)>;
    let charts: [(&str, &str, Pick); 5] = [
        ("People waiting in port queues, all ports", "people", |r| {
            sum_by_day(r.ports.iter().map(|p| p.vars[P_QUEUE].as_slice()))
        }),
        ("People admitted at ports, cumulative", "people", |r| {
            cumulative(&sum_by_day(
                r.ports.iter().map(|p| p.vars[P_ADMITTED].as_slice()),
            ))
        }),
        (
            "People encountered between ports, cumulative",
            "people",
            |r| {
                cumulative(&sum_by_day(
                    r.places.iter().map(|p| p.vars[ENCOUNTERED].as_slice()),
                ))
            },
        ),
        (
            "People intercepted at checkpoints, cumulative",
            "people",
            |r| {
                cumulative(&sum_by_day(
                    r.places.iter().map(|p| p.vars[INTERCEPTED].as_slice()),
                ))
            },
        ),
        ("People in camps, all camps", "people", |r| {
            sum_by_day(
                r.places
                    .iter()
                    .filter(|p| is_camp(&p.kind))
                    .map(|p| p.vars[POPULATION].as_slice()),
            )
        }),
    ];
    let mut b = String::new();
    for (title, unit, pick) in charts {
        let data: Vec<Vec<(i64, f64)>> = cmp.variants.iter().map(|v| pick(&v.run)).collect();
        if !data.iter().flatten().any(|p| p.1 != 0.0) {
            continue;
        }
        let mut c = LineChart::new(title, x_axis(&cmp.variants[0].run), unit);
        for (i, (v, d)) in cmp.variants.iter().zip(&data).enumerate() {
            c.lines.push(Line::new(
                &v.name,
                color(i),
                d.iter().map(|&(day, y)| (x_of(&v.run, day), y)).collect(),
            ));
        }
        b.push_str(&c.figure());
    }
    if b.is_empty() {
        return None;
    }
    if cmp.variants.iter().any(|v| v.run.ensemble) {
        b.insert_str(
            0,
            &note("Totals over places or ports of ensembles are sums of ensemble means."),
        );
    }
    Some(Section {
        id: "compare-totals".into(),
        title: "Totals over time".into(),
        body: b,
    })
}

/// Panels of one series per name, one line per variant.
fn per_name_panels(
    cmp: &Compare,
    names: &[String],
    unit: &str,
    get: impl Fn(&RunData, &str) -> Option<Vec<Pt>>,
) -> String {
    let charts: Vec<LineChart> = names
        .iter()
        .map(|n| {
            let mut c = LineChart::new(n, x_axis(&cmp.variants[0].run), unit);
            for (i, v) in cmp.variants.iter().enumerate() {
                if let Some(pts) = get(&v.run, n) {
                    c.lines.push(series_line(&v.run, &v.name, color(i), &pts));
                }
            }
            c
        })
        .collect();
    let band = cmp.variants.iter().any(|v| v.run.ensemble);
    multiples(&charts, &variant_legend(cmp, band))
}

fn compare_ports_section(cmp: &Compare) -> Option<Section> {
    let mut names: Vec<String> = Vec::new();
    let mut peaks: Vec<f64> = Vec::new();
    for v in &cmp.variants {
        for p in &v.run.ports {
            let pk = peak(&p.vars[P_QUEUE]);
            match names.iter().position(|n| n == &p.name) {
                Some(i) => peaks[i] = peaks[i].max(pk),
                None => {
                    names.push(p.name.clone());
                    peaks.push(pk);
                }
            }
        }
    }
    let chosen: Vec<String> = top_by(&peaks, 6)
        .into_iter()
        .map(|i| names[i].clone())
        .collect();
    if chosen.is_empty() {
        return None;
    }
    let mut b = note("People waiting in the queue of each port (the busiest ports).");
    b.push_str(&per_name_panels(cmp, &chosen, "people queued", |r, n| {
        r.ports
            .iter()
            .find(|p| p.name == n)
            .map(|p| p.vars[P_QUEUE].clone())
    }));
    Some(Section {
        id: "compare-ports".into(),
        title: "Port queues by variant".into(),
        body: b,
    })
}

fn compare_places_section(cmp: &Compare) -> Option<Section> {
    let first = &cmp.variants[0].run;
    let flee_camps = first.is_flee() && first.places.iter().any(|p| is_camp(&p.kind));
    let cands: Vec<&Place> = first
        .places
        .iter()
        .filter(|p| !flee_camps || is_camp(&p.kind))
        .collect();
    let peaks: Vec<f64> = cands.iter().map(|p| peak(&p.vars[POPULATION])).collect();
    let chosen: Vec<String> = top_by(&peaks, 6)
        .into_iter()
        .map(|i| cands[i].name.clone())
        .collect();
    if chosen.is_empty() {
        return None;
    }
    let mut b = note(&format!(
        "People at the {} with the highest peak in the first variant.",
        if flee_camps { "camps" } else { "locations" }
    ));
    b.push_str(&per_name_panels(cmp, &chosen, "people", |r, n| {
        r.place(n).map(|p| p.vars[POPULATION].clone())
    }));
    Some(Section {
        id: "compare-places".into(),
        title: if flee_camps {
            "Camps by variant".into()
        } else {
            "Key places by variant".into()
        },
        body: b,
    })
}

fn compare_monthly_section(cmp: &Compare) -> Option<Section> {
    let mut components: Vec<String> = Vec::new();
    for v in &cmp.variants {
        for m in &v.run.monthly {
            if !components.contains(&m.component) {
                components.push(m.component.clone());
            }
        }
    }
    if components.is_empty() {
        return None;
    }
    let mut b = note(
        "Monthly totals over all areas of each component, one bar per variant \
         (for ensembles: the sum of the ensemble means).",
    );
    for comp in &components {
        let mut months: Vec<String> = cmp
            .variants
            .iter()
            .flat_map(|v| v.run.monthly.iter())
            .filter(|m| &m.component == comp)
            .map(|m| m.month.clone())
            .collect();
        sort_periods(&mut months);
        months.dedup();
        let series: Vec<Bars> = cmp
            .variants
            .iter()
            .enumerate()
            .map(|(i, v)| Bars {
                name: v.name.clone(),
                color: color(i).into(),
                values: months
                    .iter()
                    .map(|mo| {
                        v.run
                            .monthly
                            .iter()
                            .filter(|m| &m.component == comp && &m.month == mo)
                            .map(|m| m.value.mean)
                            .sum()
                    })
                    .collect(),
                whiskers: vec![],
            })
            .collect();
        let chart = BarChart {
            title: format!("{comp}: people per month, all areas"),
            y_label: "people per month".into(),
            categories: months.iter().map(|k| dates::month_label(k)).collect(),
            labels: month_labels(&months),
            series,
            stacked: false,
            size: Size::Full,
        };
        b.push_str(&chart.figure());
    }
    Some(Section {
        id: "compare-monthly".into(),
        title: "Admissions and encounters per month by variant".into(),
        body: b,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Row headers and values of a rendered table, in order.
    fn cells(table: &str) -> Vec<String> {
        table
            .split("<tbody>")
            .nth(1)
            .unwrap_or("")
            .split(['<', '>'])
            .enumerate()
            .filter(|(i, t)| i % 2 == 0 && !t.is_empty())
            .map(|(_, t)| t.to_string())
            .collect()
    }

    #[test]
    fn totals_are_people_in_reading_order_and_counters_apart() {
        let t = json!({
            "arrived": 32119865, "walk_up": 23726, "admitted": 439042,
            "spawned": 2025693, "total_agents": 125909, "mean_wait_days": 6.664,
            "in_camps": 20546.5, "encountered": 0, "observed_in_camps": null,
            "by_appointment": 415316, "people_in_camps_last_day": 3
        });
        let (people, agents) = totals_tables(t.as_object().unwrap());
        assert_eq!(
            cells(&people.unwrap()),
            [
                "people created",
                "2,025,693",
                "admitted at ports",
                "439,042",
                "… by appointment",
                "415,316",
                "… walking up",
                "23,726",
                "mean wait at ports (days)",
                "6.7",
                "in camps at the end",
                "20,547",
                "people in camps last day",
                "3",
            ]
        );
        let agents = cells(&agents.unwrap());
        assert_eq!(
            agents[0],
            "arrivals at locations (agent events, summed over days)"
        );
        assert_eq!(agents[1], "32,119,865");
        assert_eq!(agents[2], "agents in the simulation at the end");
    }

    #[test]
    fn ensemble_final_values_keep_internal_counters_apart() {
        let st = |m: f64| json!({"mean": m, "p5": m - 1.5, "p50": m + 0.5, "p95": m + 2.0});
        let fin = json!({
            "spawned": st(100.0), "refugee_debt": st(3.0), "in_camps": st(40.0),
            "spawned_today": st(1.0), "removed": st(0.0)
        });
        let (people, agents) = final_table(fin.as_object().unwrap());
        let p = cells(&people.unwrap());
        assert_eq!(p[0], "spawned");
        assert_eq!(p[1], "101");
        assert!(p.contains(&"in camps".to_string()));
        let a = cells(&agents.unwrap());
        assert!(a.iter().any(|c| c.starts_with("refugee debt")));
        assert!(a.iter().any(|c| c == "agents created on the last day"));
        assert!(!p.iter().any(|c| c.contains("debt") || c.contains("today")));
    }

    #[test]
    fn people_are_whole_and_days_keep_decimals() {
        assert!(counts_people("peak_waiting_at_border"));
        assert!(counts_people("people admitted at ports"));
        assert!(!counts_people("mean_wait_days"));
        assert!(!counts_people("mean wait of admitted people (days)"));
        assert_eq!(key_cell(&json!(16174.5), true), "16,175");
        assert_eq!(
            key_cell(
                &json!({"p5": 16000.25, "p50": 16174.5, "p95": 16300.0}),
                true
            ),
            "16,175<span class=\"delta\">5–95%: 16,000–16,300</span>"
        );
        assert_eq!(key_cell(&json!(6.664), false), "6.664");
        assert_eq!(
            delta_cell(Some(100.0), Some(100.4), true),
            "<span class=\"delta\">no change</span>"
        );
        assert_eq!(
            delta_cell(Some(100.0), Some(112.6), true),
            "<span class=\"delta\">+13 (+12.6%)</span>"
        );
    }
}
