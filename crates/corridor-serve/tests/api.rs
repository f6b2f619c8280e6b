//! API tests against a server started in the test (examples/variants, a small
//! scenario, so each answer takes well under a second): the page, the levers,
//! answers (deterministic, equal to the library's ensemble of the saved
//! variant), validation (400s with the reader's message), limits, the busy and
//! superseded answers (a running one is cancelled), the zip download, the
//! observed monthly counts of the built-in scenario, and first looks (equal
//! to the k-member answer, each member simulated once, bad sizes 400s,
//! superseded and cancelled like full answers; at a new policy date only
//! their members' baseline states computed, the others' by the full answer),
//! and the differences from the baseline (paired member by member, equal to
//! `corridor compare`'s).

use corridor_serve::{App, Config};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/variants")
}

/// A server running in a thread of its own; stopped (as Ctrl-C stops the
/// CLI's) when dropped, which waits for it to end, so no test leaves a work
/// directory behind.
struct Server {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), corridor_serve::ServeError>>>,
}

impl Server {
    /// Stops the server and returns what `serve_blocking` returned.
    fn stop(mut self) -> Result<(), corridor_serve::ServeError> {
        self.stop.take().map(|s| s.send(()));
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.take().map(|s| s.send(()));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts a server on a free port; returns its address and the server.
fn start(cfg: Config) -> (SocketAddr, Server) {
    start_on(corridor::load(Some(&example())).unwrap(), cfg)
}

fn start_on(input: corridor::Input, cfg: Config) -> (SocketAddr, Server) {
    start_app(App::new(input, cfg).unwrap())
}

fn start_app(app: std::sync::Arc<App>) -> (SocketAddr, Server) {
    let (tx, rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        corridor_serve::serve_blocking(app, "127.0.0.1", 0, |a| tx.send(a).unwrap(), async move {
            let _ = stopped.await;
        })
    });
    let addr = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    let server = Server {
        stop: Some(stop),
        thread: Some(thread),
    };
    (addr, server)
}

/// A minimal HTTP/1.1 exchange: (status, headers, body).
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head[9..12].parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

fn json(b: &[u8]) -> serde_json::Value {
    serde_json::from_slice(b).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(b)))
}

/// The ensemble the CLI gives for a variant file the page saved (`toml`):
/// the example scenario, 4 members on the count engine, `days` days.
fn saved_variant_ensemble(toml: &str, days: u32) -> corridor_ensemble::Ensemble {
    let mut input = corridor::load(Some(&example())).unwrap();
    let name = corridor::variant_file::add_variant_str(&mut input, "v.toml", toml).unwrap();
    let dir = tempfile::tempdir().unwrap();
    corridor::ensemble(
        &input,
        &corridor::EnsembleRequest {
            variant: Some(name),
            runs: 4,
            seed: None,
            days: Some(days),
            engine: corridor::EngineKind::Counts,
            out: Some(dir.path().join("e")),
            format: Default::default(),
        },
        &|| {},
    )
    .unwrap()
    .ensemble
}

fn small() -> Config {
    Config {
        default_members: 3,
        ..Config::default()
    }
}

/// The server's state on the example scenario (no HTTP), `small()` defaults.
fn example_app() -> std::sync::Arc<App> {
    App::new(corridor::load(Some(&example())).unwrap(), small()).unwrap()
}

fn settings(json: &str) -> corridor_serve::Settings {
    serde_json::from_str(json).unwrap()
}

/// The answer's total named `name` (its row of `totals`).
fn total_named<'a>(ans: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    ans["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no total {name}"))
}

/// Levers from a policy date that move the example's admitted (the paired
/// differences' tests).
const CONTAINMENT_LEVERS: &str =
    r#"{"members":4,"days":40,"policy_from":"2023-12-12","containment":0.4}"#;

/// The answer to `s` (`look`: a first look of that many members) as JSON.
fn answer_json(app: &App, s: &corridor_serve::Settings, look: Option<usize>) -> serde_json::Value {
    let t = std::sync::Arc::new(corridor::CancelToken::new());
    serde_json::to_value(app.answer(s, look, &t).unwrap().unwrap()).unwrap()
}

#[test]
fn the_page_is_self_contained_and_levers_come_from_the_scenario() {
    let (a, _server) = start(small());
    let (st, head, body) = http(a, "GET", "/", "");
    assert_eq!(st, 200);
    assert!(head
        .to_ascii_lowercase()
        .contains("content-security-policy"));
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("<script>"));
    for bad in ["src=\"http", "href=\"http", "@import", "fetch(\"http"] {
        assert!(
            !page.contains(bad),
            "the page loads from the network: {bad}"
        );
    }
    let (st, _, body) = http(a, "GET", "/api/levers", "");
    assert_eq!(st, 200);
    let c = json(&body);
    assert_eq!(c["scenario"], "variants");
    assert!(c["variants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "stronger_containment"));
    assert!(!c["ports"].as_array().unwrap().is_empty());
}

#[test]
fn answers_are_deterministic_and_equal_the_library_ensemble_of_the_saved_variant() {
    let (a, _server) = start(small());
    let settings = r#"{"members":4,"days":30,"containment":0.4,"inflow":1.5}"#;
    let req = format!(r#"{{"client":"t","seq":1,"settings":{settings}}}"#);
    let (st, _, b1) = http(a, "POST", "/api/answer", &req);
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&b1));
    let (_, _, b2) = http(
        a,
        "POST",
        "/api/answer",
        &req.replace("\"seq\":1", "\"seq\":2"),
    );
    assert_eq!(b1, b2, "the same settings and seed give the same answer");
    let ans = json(&b1);
    assert_eq!(ans["members"], 4);
    assert_eq!(ans["dates"].as_array().unwrap().len(), 30);
    let admitted = total_named(&ans, "admitted").clone();
    // The variant file the page saves, run through the library as the CLI does.
    let (st, _, toml) = http(a, "POST", "/api/variant", settings);
    assert_eq!(st, 200);
    let toml = String::from_utf8(toml).unwrap();
    assert!(toml.contains("scale_checkpoint_probability") && toml.contains("scale_inflow"));
    let e = &saved_variant_ensemble(&toml, 30);
    let v = corridor_ensemble::Ensemble::variable_index(
        &corridor_ensemble::TOTAL_VARIABLES,
        "admitted",
    )
    .unwrap();
    let s = e.total(e.days.len() - 1, v);
    let h = e.hasten as f64;
    assert_eq!(admitted["p50"].as_f64().unwrap(), s.p50 * h);
    assert_eq!(admitted["p5"].as_f64().unwrap(), s.p5 * h);
    // The levers change the answer: the baseline differs.
    assert_ne!(ans["waiting"]["p50"], ans["baseline_waiting"]["p50"]);
}

#[test]
fn bad_values_and_limits_are_400s_with_a_message() {
    let (a, _server) = start(small());
    let cases = [
        (r#"{"settings":{"inflow":-1}}"#, "factor"),
        (r#"{"settings":{"containment":5000}}"#, "between 0 and 1000"),
        (r#"{"settings":{"members":1000}}"#, "members"),
        (r#"{"settings":{"days":100000}}"#, "days"),
        (r#"{"settings":{"inflow":50}}"#, "population limit"),
        (
            r#"{"settings":{"ports":[{"port":"Nowhere","capacity":2}]}}"#,
            "Nowhere",
        ),
        (r#"{"settings":{"variant":"nope"}}"#, "unknown variant"),
        (r#"{"settings":{"path":"/etc/passwd"}}"#, "unknown field"),
        (r#"not json"#, "request body"),
    ];
    for (body, what) in cases {
        let (st, _, b) = http(a, "POST", "/api/answer", body);
        assert_eq!(st, 400, "{body}");
        let msg = json(&b)["error"].as_str().unwrap().to_string();
        assert!(msg.contains(what), "{body} → {msg}");
    }
    let big = format!(r#"{{"settings":{{"variant":"{}"}}}}"#, "x".repeat(100_000));
    let (st, _, _) = http(a, "POST", "/api/answer", &big);
    assert_eq!(st, 413);
}

#[test]
fn superseded_requests_do_not_run_and_a_full_pool_answers_503() {
    let (a, _server) = start(Config {
        default_members: 3,
        queue_wait: Duration::from_millis(0),
        ..Config::default()
    });
    // seq 5 is noted (even though its settings are bad); seq 3 is then stale.
    let (st, _, _) = http(
        a,
        "POST",
        "/api/answer",
        r#"{"client":"c","seq":5,"settings":{"inflow":-1}}"#,
    );
    assert_eq!(st, 400);
    let (st, _, b) = http(
        a,
        "POST",
        "/api/answer",
        r#"{"client":"c","seq":3,"settings":{}}"#,
    );
    assert_eq!(st, 409, "{}", String::from_utf8_lossy(&b));
    // Two at once on one worker with no queue: one of them is told to come back.
    let slow = r#"{"settings":{"members":100}}"#;
    let t = std::thread::spawn(move || http(a, "POST", "/api/answer", slow));
    std::thread::sleep(Duration::from_millis(30));
    let (st2, head2, _) = http(a, "POST", "/api/answer", slow);
    let (st1, _, _) = t.join().unwrap();
    let mut got = [st1, st2];
    got.sort();
    assert_eq!(got, [200, 503]);
    if st2 == 503 {
        assert!(head2.to_ascii_lowercase().contains("retry-after: 1"));
    }
}

#[test]
fn download_is_a_zip_of_the_ensemble_directory() {
    let (a, _server) = start(small());
    let (st, head, z) = http(a, "POST", "/api/download", r#"{"days":10}"#);
    assert_eq!(st, 200);
    assert!(head.contains("application/zip"));
    assert_eq!(&z[..4], b"PK\x03\x04");
    let text = String::from_utf8_lossy(&z);
    for f in [
        "summary.json",
        "totals_stats.csv",
        "daily_stats.csv",
        "report.html",
    ] {
        assert!(
            text.contains(&format!("variants-what-if-ensemble/{f}")),
            "{f}"
        );
    }
}

/// Posts `request` (client "k", seq 1) and, a tenth of `whole` later, a newer
/// request of client "k" (seq 2, a bad lever: a 400 that still supersedes);
/// checks that the first is answered 409 and returns how long it took.
fn superseded_a_tenth_in(a: SocketAddr, request: String, whole: Duration) -> Duration {
    let t = std::time::Instant::now();
    let first = std::thread::spawn(move || http(a, "POST", "/api/answer", &request));
    std::thread::sleep(whole / 10);
    let (st2, _, _) = http(
        a,
        "POST",
        "/api/answer",
        r#"{"client":"k","seq":2,"settings":{"inflow":-1}}"#,
    );
    assert_eq!(st2, 400);
    let (st1, _, b1) = first.join().unwrap();
    let took = t.elapsed();
    assert_eq!(st1, 409, "{}", String::from_utf8_lossy(&b1));
    took
}

/// A running request whose client moves a lever again stops computing: it is
/// answered 409 long before its ensemble could have finished.
#[test]
fn a_superseded_running_request_is_cancelled() {
    let (a, _server) = start(Config {
        max_members: 400,
        // No warm-up batches beside the answers timed here.
        warm_up: false,
        ..Config::default()
    });
    let body = |client: &str, seq: u64, c: f64| {
        format!(
            r#"{{"client":"{client}","seq":{seq},"settings":{{"members":400,"containment":{c}}}}}"#
        )
    };
    // Warm the baseline (neutral levers: the baseline is the answer, run once).
    let (st, _, b) = http(a, "POST", "/api/answer", r#"{"settings":{"members":400}}"#);
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&b));
    // A whole levers' ensemble, for scale.
    let t = std::time::Instant::now();
    let (st, _, _) = http(a, "POST", "/api/answer", &body("full", 1, 0.5));
    assert_eq!(st, 200);
    let whole = t.elapsed();
    // The same amount of work, superseded a tenth of the way in.
    let took = superseded_a_tenth_in(a, body("k", 1, 0.6), whole);
    assert!(
        took < whole / 2,
        "the superseded request took {took:?}; a whole ensemble {whole:?}"
    );
}

/// Stopping the server (Ctrl-C in the CLI) cancels a running answer, which
/// is told "stopping" (503), and removes the work directory, where a
/// download had written its ensemble directory.
#[test]
fn stopping_cancels_running_answers_and_removes_the_work_directory() {
    let app = App::new(
        corridor::load(Some(&example())).unwrap(),
        Config {
            max_members: 400,
            warm_up: false,
            ..Config::default()
        },
    )
    .unwrap();
    let work = app.work_dir().to_path_buf();
    let (a, server) = start_app(app);
    let (st, _, _) = http(a, "POST", "/api/download", r#"{"members":2,"days":10}"#);
    assert_eq!(st, 200);
    assert!(std::fs::read_dir(&work).unwrap().next().is_some());
    // Without a client name (nothing supersedes it), 400 members: seconds of work.
    let running = std::thread::spawn(move || {
        http(
            a,
            "POST",
            "/api/answer",
            r#"{"settings":{"members":400,"containment":0.7}}"#,
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    server.stop().unwrap();
    let (st, _, b) = running.join().unwrap();
    let body = String::from_utf8_lossy(&b);
    assert_eq!(st, 503, "{body}");
    assert!(body.contains("stopping"), "{body}");
    assert!(!work.exists(), "{} is left", work.display());
    assert!(TcpStream::connect(a).is_err(), "still listening on {a}");
}

/// The built-in scenario ships CBP monthly counts: the answer's month rows
/// carry them (people) for the months and areas observed, none elsewhere.
#[test]
fn monthly_rows_carry_the_observed_counts_of_the_built_in_scenario() {
    let (a, _server) = start_on(corridor::load(None).unwrap(), small());
    let (st, _, b) = http(
        a,
        "POST",
        "/api/answer",
        r#"{"settings":{"members":2,"days":45}}"#,
    );
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&b));
    let ans = json(&b);
    let rows = ans["monthly"].as_array().unwrap();
    let months: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["month"].as_str().unwrap()).collect();
    assert_eq!(
        months.into_iter().collect::<Vec<_>>(),
        ["2023-06", "2023-07"]
    );
    // The same library data, read directly from the scenario's file.
    let cbp = corridor_calibrate::read_cbp(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../scenarios/mexico-2023/data/cbp_monthly_to_2023-09.csv"),
    )
    .unwrap();
    let mut observed = 0;
    for r in rows {
        let (m, c, area) = (
            r["month"].as_str().unwrap(),
            r["component"].as_str().unwrap(),
            r["area"].as_str().unwrap(),
        );
        match cbp.get(m, c, area) {
            Some(v) => {
                assert_eq!(r["observed"].as_f64(), Some(v), "{m} {c} {area}");
                observed += 1;
            }
            None => assert!(r["observed"].is_null(), "{m} {c} {area}"),
        }
    }
    assert!(observed >= 4, "{observed} observed rows");
}

/// Untouched levers are answered with the cached baseline ensemble (run once):
/// the numbers equal a fresh library run of the saved variant file.
#[test]
fn untouched_levers_answer_what_a_fresh_run_of_the_saved_variant_gives() {
    let (a, _server) = start(small());
    let settings = r#"{"members":3,"days":25}"#;
    let (st, _, b) = http(
        a,
        "POST",
        "/api/answer",
        &format!(r#"{{"settings":{settings}}}"#),
    );
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&b));
    let ans = json(&b);
    assert_eq!(ans["waiting"], ans["baseline_waiting"]);
    let (_, _, toml) = http(a, "POST", "/api/variant", settings);
    let mut input = corridor::load(Some(&example())).unwrap();
    let name = corridor::variant_file::add_variant_str(
        &mut input,
        "v.toml",
        &String::from_utf8(toml).unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = corridor::ensemble(
        &input,
        &corridor::EnsembleRequest {
            variant: Some(name),
            runs: 3,
            seed: None,
            days: Some(25),
            engine: corridor::EngineKind::Counts,
            out: Some(dir.path().join("e")),
            format: Default::default(),
        },
        &|| {},
    )
    .unwrap()
    .ensemble;
    let h = e.hasten as f64;
    let q = corridor_ensemble::Ensemble::variable_index(
        &corridor_ensemble::TOTAL_VARIABLES,
        "in_queues",
    )
    .unwrap();
    for d in 0..e.days.len() {
        let s = e.total(d, q);
        for (band, v) in [("p5", s.p5), ("p50", s.p50), ("p95", s.p95)] {
            // serde_json's default parser may be one unit in the last place off.
            let shown = ans["waiting"][band][d].as_f64().unwrap();
            assert!(
                (shown - v * h).abs() <= 1e-12 * (v * h).abs().max(1.0),
                "day {d} {band}: page {shown}, fresh run {}",
                v * h
            );
        }
    }
}

/// Levers from a "policy from" date branch from the baseline's member states:
/// the answer is still the library's full ensemble of the saved variant (whose
/// events carry that date), and a second answer with other levers from the
/// same date reuses the states.
#[test]
fn levers_from_a_policy_date_answer_the_full_ensemble_of_the_saved_variant() {
    let (a, _server) = start(small());
    for (seq, extra) in [
        (1, r#""containment":0.4"#),
        (2, r#""appointments_per_day":90"#),
    ] {
        let settings = format!(r#"{{"members":4,"days":40,"policy_from":"2023-12-12",{extra}}}"#);
        let req = format!(r#"{{"client":"p","seq":{seq},"settings":{settings}}}"#);
        let (st, _, body) = http(a, "POST", "/api/answer", &req);
        assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
        let ans = json(&body);
        let (st, _, toml) = http(a, "POST", "/api/variant", &settings);
        assert_eq!(st, 200);
        let toml = String::from_utf8(toml).unwrap();
        assert!(toml.contains("date = \"2023-12-12\""), "{toml}");
        let e = &saved_variant_ensemble(&toml, 40);
        let h = e.hasten as f64;
        for var in ["admitted", "encountered"] {
            let v = corridor_ensemble::Ensemble::variable_index(
                &corridor_ensemble::TOTAL_VARIABLES,
                var,
            )
            .unwrap();
            let s = e.total(e.days.len() - 1, v);
            let t = total_named(&ans, var);
            for (k, x) in [("p5", s.p5), ("p50", s.p50), ("p95", s.p95)] {
                assert_eq!(t[k].as_f64().unwrap(), x * h, "{extra}: {var} {k}");
            }
        }
        assert_ne!(
            ans["waiting"]["p50"], ans["baseline_waiting"]["p50"],
            "{extra}"
        );
        // Before the policy date the answer is the baseline's.
        let w = ans["waiting"]["p50"].as_array().unwrap();
        let b = ans["baseline_waiting"]["p50"].as_array().unwrap();
        assert_eq!(w[..11], b[..11], "{extra}");
    }
}

/// Differences are paired member by member, as `corridor compare`'s: the
/// answer's difference bands are `corridor::compare::Difference` of the
/// saved variant's members against the baseline's (the same seeds), zero
/// before the policy date (the members share their history up to it), and
/// zero throughout for untouched levers.
#[test]
fn differences_are_paired_member_by_member() {
    use corridor::compare::Difference;
    use corridor_ensemble::{Ensemble, TOTAL_VARIABLES};
    let app = example_app();
    let ans = answer_json(&app, &settings(CONTAINMENT_LEVERS), None);
    let levers = saved_variant_ensemble(ans["variant_toml"].as_str().unwrap(), 40);
    let base_toml = answer_json(&app, &settings(r#"{"members":4,"days":40}"#), None);
    let base = saved_variant_ensemble(base_toml["variant_toml"].as_str().unwrap(), 40);
    let h = levers.hasten as f64;
    let diff = |d: usize, name: &str| {
        let v = Ensemble::variable_index(&TOTAL_VARIABLES, name).unwrap();
        let pairs: Vec<(f64, f64)> = levers
            .member_totals(d, v)
            .iter()
            .zip(base.member_totals(d, v))
            .map(|(&a, &b)| (a as f64 * h, b as f64 * h))
            .collect();
        Difference::of(&pairs).unwrap()
    };
    let last = levers.days.len() - 1;
    let mut moved = 0;
    for t in ans["totals"].as_array().unwrap() {
        let d = diff(last, t["name"].as_str().unwrap());
        for (k, x) in [("diff_p5", d.p5), ("diff_p50", d.p50), ("diff_p95", d.p95)] {
            assert_eq!(t[k].as_f64().unwrap(), x, "{} {k}", t["name"]);
        }
        assert_eq!(t["within_noise"], d.within_noise.unwrap(), "{}", t["name"]);
        moved += !d.within_noise.unwrap() as usize;
    }
    // Not a vacuous check: the lever moves some total beyond noise.
    assert!(moved > 0, "{}", ans["totals"]);
    let w = &ans["waiting_difference"];
    for d in 0..=last {
        let x = diff(d, "in_queues");
        assert_eq!(w["p5"][d].as_f64().unwrap(), x.p5, "day {d}");
        assert_eq!(w["p50"][d].as_f64().unwrap(), x.p50, "day {d}");
        assert_eq!(w["p95"][d].as_f64().unwrap(), x.p95, "day {d}");
        assert_eq!(ans["waiting_within_noise"][d], x.within_noise.unwrap());
    }
    for (series, name) in [
        ("admitted_difference", "admitted"),
        ("encountered_difference", "encountered"),
    ] {
        for d in 0..=last {
            let x = diff(d, name);
            let got = |k: &str| ans[series][k][d].as_f64().unwrap();
            assert_eq!(
                (got("p5"), got("p50"), got("p95")),
                (x.p5, x.p50, x.p95),
                "{name} day {d}"
            );
        }
    }
    // Before the policy date (day 11) the pairs have one history: no difference.
    for d in 0..11 {
        assert_eq!(
            (w["p5"][d].as_f64(), w["p95"][d].as_f64()),
            (Some(0.0), Some(0.0))
        );
    }
    // Untouched levers: the baseline itself, every difference exactly 0.
    for t in base_toml["totals"].as_array().unwrap() {
        assert_eq!(
            (t["diff_p5"].as_f64(), t["diff_p95"].as_f64()),
            (Some(0.0), Some(0.0))
        );
        assert_eq!(t["within_noise"], true);
    }
    let bw = &base_toml["waiting_difference"];
    assert!(bw["p5"].as_array().unwrap().iter().all(|v| v == 0.0));
    assert!(bw["p95"].as_array().unwrap().iter().all(|v| v == 0.0));
}

/// The page's differences at the end are `corridor compare`'s for the same
/// levers: compare the example's "baseline" (no events) with the saved
/// variant, same members and seed, and the admitted and encountered
/// differences (median and band) are the same numbers.
#[test]
fn the_pages_differences_are_compares() {
    let app = example_app();
    let ans = answer_json(&app, &settings(CONTAINMENT_LEVERS), None);
    let mut input = corridor::load(Some(&example())).unwrap();
    let name = corridor::variant_file::add_variant_str(
        &mut input,
        "v.toml",
        ans["variant_toml"].as_str().unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let c = corridor::compare(
        &input,
        &corridor::CompareRequest {
            variants: vec!["baseline".into(), name],
            seed: None,
            runs: 4,
            days: Some(40),
            engine: corridor::EngineKind::Counts,
            out: Some(dir.path().join("c")),
            format: Default::default(),
        },
        &|| {},
    )
    .unwrap();
    let d = c.differences()[1].clone().unwrap();
    // The levers do move the admitted (so the equality below is not 0 = 0).
    assert!(d.admitted.unwrap().p50 != 0.0, "{:?}", d.admitted);
    for (total, diff) in [("admitted", d.admitted), ("encountered", d.encountered)] {
        let diff = diff.unwrap();
        let t = total_named(&ans, total);
        let page = |k: &str| t[k].as_f64().unwrap();
        assert_eq!(
            (page("diff_p5"), page("diff_p50"), page("diff_p95")),
            (diff.p5, diff.p50, diff.p95),
            "{total}"
        );
        assert_eq!(t["within_noise"], diff.within_noise.unwrap(), "{total}");
    }
}

/// The default policy date is the scenario's `report_from`, else its start.
#[test]
fn the_default_policy_date_is_report_from_or_the_start() {
    let (a, _server) = start(small());
    let (_, _, cat) = http(a, "GET", "/api/levers", "");
    assert_eq!(json(&cat)["policy_from"], "2023-12-01");
    let (b, _server_b) = start_on(corridor::input::load_builtin().unwrap(), small());
    let (_, _, cat) = http(b, "GET", "/api/levers", "");
    assert_eq!(json(&cat)["policy_from"], "2023-10-01");
}

/// The answer's numbers: everything but the members asked for and the
/// variant file (whose comment names the members).
fn numbers(a: &serde_json::Value) -> serde_json::Value {
    let mut a = a.clone();
    let o = a.as_object_mut().unwrap();
    o.remove("requested_members");
    o.remove("variant_toml");
    a
}

fn post_answer(a: SocketAddr, body: &str) -> serde_json::Value {
    let (st, _, b) = http(a, "POST", "/api/answer", body);
    assert_eq!(st, 200, "{body}: {}", String::from_utf8_lossy(&b));
    json(&b)
}

/// A first look is the k-member answer of the same levers (member i's seed
/// does not depend on the number of members), from the start (no branching)
/// and from a policy date (branched from the 4-member baseline's states);
/// the full answer after it (which reuses the first look's member runs) is
/// still the library's ensemble of the saved variant.
#[test]
fn a_first_look_is_the_k_member_answer_of_the_same_levers() {
    let (a, _server) = start(small());
    let (_, _, cat) = http(a, "GET", "/api/levers", "");
    let k = json(&cat)["first_look"].as_u64().unwrap().min(3);
    assert!(k >= 2, "a first look has at least 2 members");
    for (seq, extra) in [
        (1, r#""containment":0.4"#),
        (2, r#""containment":0.4,"policy_from":"2023-12-12""#),
        // Levers that write no event: the baseline's first look.
        (3, r#""containment":1"#),
    ] {
        let settings = format!(r#"{{"members":4,"days":30,{extra}}}"#);
        let look = post_answer(
            a,
            &format!(r#"{{"client":"f","seq":{seq},"first_look":{k},"settings":{settings}}}"#),
        );
        assert_eq!(look["members"], k, "{extra}");
        assert_eq!(look["requested_members"], 4, "{extra}");
        let full = post_answer(
            a,
            &format!(r#"{{"client":"f","seq":{seq},"settings":{settings}}}"#),
        );
        assert_eq!(full["members"], 4);
        assert_eq!(full["requested_members"], 4);
        let of_k = settings.replace("\"members\":4", &format!("\"members\":{k}"));
        let k_full = post_answer(a, &format!(r#"{{"settings":{of_k}}}"#));
        assert_eq!(numbers(&look), numbers(&k_full), "{extra}");
        assert_ne!(numbers(&look), numbers(&full), "{extra}");
        // The full answer after the first look: the library's 4 members.
        let (_, _, toml) = http(a, "POST", "/api/variant", &settings);
        let e = &saved_variant_ensemble(&String::from_utf8(toml).unwrap(), 30);
        let v = corridor_ensemble::Ensemble::variable_index(
            &corridor_ensemble::TOTAL_VARIABLES,
            "admitted",
        )
        .unwrap();
        let s = e.total(e.days.len() - 1, v);
        let t = total_named(&full, "admitted");
        for (q, x) in [("p5", s.p5), ("p50", s.p50), ("p95", s.p95)] {
            assert_eq!(t[q].as_f64().unwrap(), x * e.hasten as f64, "{extra} {q}");
        }
    }
}

#[test]
fn a_bad_first_look_is_a_400_with_a_message() {
    let (a, _server) = start(Config {
        first_look: 2,
        ..small()
    });
    let settings = r#"{"members":4,"days":10}"#;
    for (k, what) in [
        (0, "outside 1..=4"),
        (5, "outside 1..=4"),
        (1, "is 2 members"),
    ] {
        let (st, _, b) = http(
            a,
            "POST",
            "/api/answer",
            &format!(r#"{{"first_look":{k},"settings":{settings}}}"#),
        );
        assert_eq!(st, 400, "{k}");
        let msg = json(&b)["error"].as_str().unwrap().to_string();
        assert!(
            msg.contains("first_look") && msg.contains(what),
            "{k} → {msg}"
        );
    }
    let (st, _, b) = http(
        a,
        "POST",
        "/api/answer",
        r#"{"first_look":1,"settings":{"members":2,"days":10}}"#,
    );
    assert_eq!(st, 400);
    assert!(json(&b)["error"]
        .as_str()
        .unwrap()
        .contains("no first look"));
    // A first look of all the members is the full answer.
    let all = post_answer(a, &format!(r#"{{"first_look":4,"settings":{settings}}}"#));
    let full = post_answer(a, &format!(r#"{{"settings":{settings}}}"#));
    assert_eq!(all, full);
}

/// A first look and its full answer share their `seq`: a lever moved again
/// (a newer `seq`) cancels a running first look, and the full answer of the
/// old `seq` is then not run.
#[test]
fn a_lever_moved_again_cancels_a_first_look_and_its_full_answer() {
    let (a, _server) = start(Config {
        max_members: 400,
        first_look: 300,
        // No warm-up batches beside the answers timed here.
        warm_up: false,
        ..Config::default()
    });
    let body = |client: &str, seq: u64, look: &str, c: f64| {
        format!(
            r#"{{"client":"{client}","seq":{seq},{look}"settings":{{"members":400,"containment":{c}}}}}"#
        )
    };
    // Warm the baseline (and its first look): neutral levers.
    post_answer(a, r#"{"settings":{"members":400}}"#);
    // A whole first look, for scale.
    let t = std::time::Instant::now();
    let look = post_answer(a, &body("full", 1, r#""first_look":300,"#, 0.5));
    assert_eq!(look["members"], 300);
    let whole = t.elapsed();
    // The same amount of work, superseded a tenth of the way in.
    let took = superseded_a_tenth_in(a, body("k", 1, r#""first_look":300,"#, 0.6), whole);
    // (Wall times of tests running side by side: a loose bound; the test
    // below counts the days simulated.)
    assert!(
        took < whole,
        "the superseded first look took {took:?}; a whole one {whole:?}"
    );
    // Its full answer (the same old seq) is superseded without running.
    let (st, _, _) = http(a, "POST", "/api/answer", &body("k", 1, "", 0.6));
    assert_eq!(st, 409);
}

/// A cancelled first look stops within a simulated day of each busy member
/// and gives no answer (the token is the one a newer `seq` cancels).
#[test]
fn a_cancelled_first_look_stops_within_a_day() {
    let app = App::new(
        corridor::load(Some(&example())).unwrap(),
        Config {
            max_members: 400,
            first_look: 300,
            ..Config::default()
        },
    )
    .unwrap();
    let s: corridor_serve::Settings =
        serde_json::from_str(r#"{"members":400,"days":40,"containment":0.5}"#).unwrap();
    let t = std::sync::Arc::new(corridor::CancelToken::new());
    let watch = t.clone();
    let watcher = std::thread::spawn(move || {
        while watch.days_simulated() < 40 {
            std::thread::sleep(Duration::from_millis(1));
        }
        watch.cancel();
        watch.days_simulated()
    });
    let a = app.answer(&s, Some(300), &t).unwrap();
    let at_cancel = watcher.join().unwrap();
    assert!(a.is_none(), "a cancelled first look gives no answer");
    let days = t.days_simulated();
    let busy = rayon::current_num_threads() as u64;
    assert!(
        days <= at_cancel + busy,
        "{days} days, {at_cancel} at the cancel"
    );
    assert!(days < 300 * 40 / 10, "{days} member-days ran");
}

/// Nothing is simulated twice: a first look runs only its k members (from
/// the branch day), and the full answer after it only the other members.
#[test]
fn a_first_look_and_its_full_answer_simulate_each_member_once() {
    let app = App::new(corridor::load(Some(&example())).unwrap(), small()).unwrap();
    // Branch day 11: the example starts on 2023-12-01.
    let s: corridor_serve::Settings = serde_json::from_str(
        r#"{"members":4,"days":30,"containment":0.4,"policy_from":"2023-12-12"}"#,
    )
    .unwrap();
    let k = app.first_look_size(4).unwrap();
    let days = |look: Option<usize>| {
        let t = std::sync::Arc::new(corridor::CancelToken::new());
        let a = app.answer(&s, look, &t).unwrap().unwrap();
        (a.members, t.days_simulated())
    };
    assert_eq!(days(Some(k)), (k, k as u64 * 19));
    assert_eq!(days(None), (4, (4 - k) as u64 * 19));
    // Without a first look before it, the full answer runs every member.
    assert_eq!(days(None), (4, 4 * 19));
}

/// A first look at a policy date whose baseline states are not there yet
/// computes only its k members' states (the baseline is cached, as the
/// warm-up leaves it), and the full answer after it only the other
/// members': the days before the branch day are simulated once per member,
/// and both answers are those a server computing all the states at once
/// gives.
#[test]
fn a_first_look_at_a_new_date_computes_only_its_members_states() {
    // Untouched levers: the baseline alone, nothing to branch.
    let neutral = settings(r#"{"members":4,"days":30}"#);
    // Branch day 11 (the example starts on 2023-12-01), 19 days after it.
    let s = settings(r#"{"members":4,"days":30,"containment":0.4,"policy_from":"2023-12-12"}"#);
    let answer = |app: &App, s: &corridor_serve::Settings, look: Option<usize>| {
        let t = std::sync::Arc::new(corridor::CancelToken::new());
        let a = app.answer(s, look, &t).unwrap().unwrap();
        (serde_json::to_value(&a).unwrap(), t.days_simulated())
    };
    let a = example_app();
    let k = a.first_look_size(4).unwrap() as u64;
    answer(&a, &neutral, None);
    assert_eq!(a.baseline_state_days(), 0);
    let (look, days) = answer(&a, &s, Some(k as usize));
    assert_eq!(look["members"], k);
    assert_eq!(days, k * 19, "the first look's members, from day 11");
    assert_eq!(
        a.baseline_state_days(),
        k * 11,
        "only the first look's states"
    );
    let (full, days) = answer(&a, &s, None);
    assert_eq!(full["members"], 4);
    assert_eq!(days, (4 - k) * 19, "the other members, from day 11");
    assert_eq!(a.baseline_state_days(), 4 * 11, "each member's states once");
    // Cached now: another answer from the same date computes no state.
    let again = settings(r#"{"members":4,"days":30,"containment":0.6,"policy_from":"2023-12-12"}"#);
    answer(&a, &again, Some(k as usize));
    answer(&a, &again, None);
    assert_eq!(a.baseline_state_days(), 4 * 11);

    // A fresh server, the full answer alone: every member's states at once.
    let b = example_app();
    answer(&b, &neutral, None);
    let (alone, days) = answer(&b, &s, None);
    assert_eq!(days, 4 * 19);
    assert_eq!(b.baseline_state_days(), 4 * 11);
    assert_eq!(full, alone, "the full answer after a first look");
    // Its first look, from the whole set, is the one from the first members'.
    let (b_look, _) = answer(&b, &s, Some(k as usize));
    assert_eq!(look, b_look);
    assert_ne!(look, full);
}

/// A first look at a baseline not computed yet (another member count, as
/// another variant or seed would be) runs only its k members, their runs
/// kept: the full answer after it runs only the others, every member's days
/// are simulated once (states and baseline runs together), and both answers
/// are those of a server that computed the whole baseline first.
#[test]
fn a_first_look_at_a_new_baseline_runs_only_its_members() {
    let simulated = |app: &App| app.baseline_days() + app.baseline_state_days();
    // Untouched levers (the baseline alone), then levers branching on day 11.
    let neutral = settings(r#"{"members":4,"days":30}"#);
    let s = settings(r#"{"members":4,"days":30,"containment":0.4,"policy_from":"2023-12-12"}"#);
    for levers in [&neutral, &s] {
        let a = example_app();
        let k = a.first_look_size(4).unwrap() as u64;
        let look = answer_json(&a, levers, Some(k as usize));
        assert_eq!(look["members"], k);
        assert_eq!(
            simulated(&a),
            k * 30,
            "the first look's baseline members only"
        );
        let full = answer_json(&a, levers, None);
        assert_eq!(simulated(&a), 4 * 30, "each baseline member once");

        let b = example_app();
        assert_eq!(answer_json(&b, levers, None), full);
        assert_eq!(answer_json(&b, levers, Some(k as usize)), look);
        assert_eq!(simulated(&b), 4 * 30);
    }
    // The levers' first look, then the untouched levers' full answer (the
    // whole baseline, while only the first look's states are there): its
    // other members continue from states computed for them (not from day
    // 0), so the levers' full answer after it computes no state again.
    let a = example_app();
    let k = a.first_look_size(4).unwrap();
    answer_json(&a, &s, Some(k));
    answer_json(&a, &neutral, None);
    assert_eq!(a.baseline_state_days(), 4 * 11);
    answer_json(&a, &s, None);
    assert_eq!(simulated(&a), 4 * 30, "each baseline member's days once");
}

/// The warm-up computes the default answer's baseline a few members at a
/// time (first look first), each member once, and leaves nothing for the
/// default first look and full answer to compute: they equal a cold
/// server's.
#[test]
fn the_warm_up_leaves_the_default_answers_computed_each_member_once() {
    let cfg = Config {
        default_members: 5,
        first_look: 2,
        ..Config::default()
    };
    let fresh = || App::new(corridor::load(Some(&example())).unwrap(), cfg.clone()).unwrap();
    let answer = |app: &App, look: Option<usize>| {
        let t = std::sync::Arc::new(corridor::CancelToken::new());
        let a = app
            .answer(&corridor_serve::Settings::default(), look, &t)
            .unwrap()
            .unwrap();
        (serde_json::to_value(a).unwrap(), t.days_simulated())
    };
    let days = corridor::load(Some(&example())).unwrap().scenario.days as u64;
    let a = fresh();
    a.warm_up().unwrap();
    let warmed = a.baseline_days() + a.baseline_state_days();
    assert_eq!(
        warmed,
        5 * days,
        "each member's days once, in batches 2, 4, 5"
    );
    let (look, look_days) = answer(&a, Some(2));
    let (full, full_days) = answer(&a, None);
    assert_eq!(
        (look_days, full_days),
        (0, 0),
        "neutral levers: the baseline"
    );
    assert_eq!(a.baseline_days() + a.baseline_state_days(), warmed);

    let b = fresh();
    assert_eq!(answer(&b, Some(2)).0, look);
    assert_eq!(answer(&b, None).0, full);
}

/// Until its first event a scenario variant's run is the base scenario's, so
/// a variant whose events come after the levers' date shares the base's
/// member states: its baseline continues from them and levers on it branch
/// from them (no state computed for it), with the answer a fresh server
/// gives. A variant with an event before the levers' date gets states of
/// its own.
#[test]
fn a_variant_shares_the_base_scenarios_member_states() {
    // Levers from day 3; ports_stay_closed's events come on 2023-12-22.
    let base = settings(r#"{"members":4,"days":30,"containment":0.4,"policy_from":"2023-12-04"}"#);
    let closed = settings(
        r#"{"members":4,"days":30,"variant":"ports_stay_closed","containment":0.4,"policy_from":"2023-12-04"}"#,
    );
    let a = example_app();
    answer_json(&a, &base, None);
    assert_eq!(a.baseline_state_days(), 4 * 3);
    assert_eq!(a.baseline_days(), 4 * 27);
    let on_variant = answer_json(&a, &closed, None);
    assert_eq!(
        a.baseline_state_days(),
        4 * 3,
        "no states of the variant's own"
    );
    assert_eq!(a.baseline_days(), 2 * 4 * 27, "its baseline from day 3 too");

    let b = example_app();
    assert_eq!(answer_json(&b, &closed, None), on_variant);
    assert_eq!(b.baseline_state_days(), 4 * 3);
    assert_eq!(b.baseline_days(), 4 * 27);

    // With the base's states also cached at a later date (day 25, after
    // the variant's first change), the variant still continues from day 3.
    let c = example_app();
    answer_json(&c, &base, None);
    let later = settings(r#"{"members":4,"days":30,"containment":0.4,"policy_from":"2023-12-26"}"#);
    answer_json(&c, &later, None);
    let before = c.baseline_days();
    let untouched = settings(r#"{"members":4,"days":30,"variant":"ports_stay_closed"}"#);
    answer_json(&c, &untouched, None);
    assert_eq!(
        c.baseline_days() - before,
        4 * 27,
        "from day 3, not 25 or 0"
    );

    // A variant without events ("baseline") has the base's baseline itself:
    // nothing more is simulated for it.
    let same = settings(
        r#"{"members":4,"days":30,"variant":"baseline","containment":0.4,"policy_from":"2023-12-04"}"#,
    );
    let mut via_variant = answer_json(&a, &same, None);
    assert_eq!(a.baseline_days(), 2 * 4 * 27);
    assert_eq!(a.baseline_state_days(), 4 * 3);
    // The same numbers (only the saved TOML names the variant).
    let mut on_base = answer_json(&a, &base, None);
    for v in [&mut via_variant, &mut on_base] {
        v.as_object_mut().unwrap().remove("variant_toml");
    }
    assert!(!on_base["totals"].as_array().unwrap().is_empty());
    assert_eq!(via_variant, on_base);

    // stronger_containment changes the checkpoints on 2023-12-10 (day 9):
    // levers from day 11 need its own states.
    let c = example_app();
    let own = settings(
        r#"{"members":4,"days":30,"variant":"stronger_containment","containment":0.4,"policy_from":"2023-12-12"}"#,
    );
    let with_own = answer_json(&c, &own, None);
    assert_eq!(c.baseline_state_days(), 4 * 11);
    let d = example_app();
    answer_json(&d, &base, None);
    assert_eq!(answer_json(&d, &own, None), with_own);
    assert_eq!(d.baseline_state_days(), 4 * 3 + 4 * 11);
}

/// Levers from a later date than cached states continue those states (the
/// days before them are not simulated again): member-days counted, answers
/// equal to a fresh server's. A first look at the later date advances only
/// its members.
#[test]
fn states_at_a_later_date_continue_the_cached_ones() {
    let day_3 = settings(r#"{"members":4,"days":30,"containment":0.4,"policy_from":"2023-12-04"}"#);
    let day_11 =
        settings(r#"{"members":4,"days":30,"containment":0.4,"policy_from":"2023-12-12"}"#);
    let a = example_app();
    let k = a.first_look_size(4).unwrap();
    answer_json(&a, &day_3, None);
    assert_eq!(a.baseline_state_days(), 4 * 3);
    let look = answer_json(&a, &day_11, Some(k));
    assert_eq!(
        a.baseline_state_days(),
        4 * 3 + k as u64 * 8,
        "the first look's members from day 3 to 11"
    );
    let full = answer_json(&a, &day_11, None);
    assert_eq!(a.baseline_state_days(), 4 * 3 + 4 * 8);

    let b = example_app();
    assert_eq!(answer_json(&b, &day_11, None), full);
    assert_eq!(answer_json(&b, &day_11, Some(k)), look);
    assert_eq!(b.baseline_state_days(), 4 * 11);
}
