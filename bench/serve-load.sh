#!/usr/bin/env bash
# Load test of `corridor serve` (issue 16; not run in CI): CLIENTS concurrent
# clients for DURATION seconds against 127.0.0.1, each posting lever settings
# (a random containment factor) to /api/answer in a loop. Prints p50/p95 latency
# of the 200 answers, the deliberate "busy" answers (503 with Retry-After)
# counted separately, any other status as errors, and the server's peak RSS.
# Environment: CLIENTS (default 50), DURATION (default 60), MEMBERS (default 20),
# INPUT (default: the built-in scenario), SKIP_BUILD.
# LATENCY=N: instead, one client posts N answers one after the other for each
# "policy from" date (the default, then each of DATES, default 2024-01-01),
# a different containment factor each time, and prints the first answer's
# latency (it computes the baseline's member states for that date) and
# p50/p95 of the others (which branch from them), with the server's CPU
# seconds per answer (user + system, from /proc: on a shared machine they
# move less with the load than the wall times). Each change is asked as the
# page asks it: first its first look (`first_look`: the first k members,
# k from /api/levers, at most MEMBERS - 1), then the full answer with the
# same seq; the first look's latency and the full answer's (both from the
# change, so the full one includes the first look) are printed side by side.
# Before the changes it prints how long after the server's start (the process
# spawned) the page's first answers came: the untouched levers' first look and
# full answer, asked as soon as the URL is printed (as a planner opening the
# page at once would; the server is still warming up).
# After the dates it toggles each of the scenario's own variants once (untouched
# levers on that variant: a baseline not computed yet) and prints that change's
# first look and full answer; VARIANTS=0 skips them.
# FIRST_LOOK=0: the full answer only (as before the first look; also what a
# reference binary without it needs). BIN: the binary to serve
# (default this tree's; a reference binary without the date lever answers
# 400 to a date: use DATES= for the default date only).
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS="${CLIENTS:-50}"
DURATION="${DURATION:-60}"
MEMBERS="${MEMBERS:-20}"
INPUT="${INPUT:-}"
BIN="${BIN:-${CARGO_TARGET_DIR:-target}/release/corridor}"
LATENCY="${LATENCY:-}"
DATES="${DATES-2024-01-01}"
FIRST_LOOK="${FIRST_LOOK:-1}"
VARIANTS="${VARIANTS:-1}"
[[ -n "${SKIP_BUILD:-}" ]] || cargo build --release -p corridor-cli >&2

LOG="$(mktemp)"
STARTED="$(date +%s.%N)"
"$BIN" serve $INPUT --port 0 --members "$MEMBERS" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 100); do grep -q http "$LOG" && break; sleep 0.1; done
URL="$(grep -o 'http://[0-9.:]*' "$LOG" | head -1)"
echo "bench/serve-load.sh: $(nproc) CPUs, $CLIENTS clients for ${DURATION}s, $MEMBERS members, $URL"

if [[ -n "$LATENCY" ]]; then
  echo "  latency mode: $LATENCY answers per date, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 - "$URL" "$LATENCY" "$DATES" "$SERVER" "$MEMBERS" "$FIRST_LOOK" "$STARTED" "$VARIANTS" <<'PY'
import json, os, sys, time, urllib.request
url, n, dates, pid = sys.argv[1], int(sys.argv[2]), [d for d in sys.argv[3].split(",") if d], sys.argv[4]
members, use_look, started = int(sys.argv[5]), sys.argv[6] != "0", float(sys.argv[7])
with urllib.request.urlopen(url + "/api/levers") as r:
    cat = json.load(r)
offered = cat.get("first_look", 0)
variants = cat.get("variants", []) if sys.argv[8] != "0" else []
# As the page computes it (App::first_look_size).
k = min(offered, members - 1) if use_look and offered and members > 2 else 0
print(f"  first look: {f'{k} of {members} members' if k else 'none'}")
seq = 0
def cpu():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
def post(body):
    req = urllib.request.Request(url + "/api/answer", json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        a = json.load(r)
    return a
def ask(settings):
    # One change: (first look's latency or None, full answer's latency, CPU s).
    global seq
    seq += 1
    t, c = time.time(), cpu()
    look = None
    if k:
        a = post({"client": "lat", "seq": seq, "first_look": k, "settings": settings})
        assert a["members"] == k, a["members"]
        look = time.time() - t
    a = post({"client": "lat", "seq": seq, "settings": settings})
    assert a["members"] == members, a["members"]
    return look, time.time() - t, cpu() - c
q = lambda v, p: v[min(len(v) - 1, int(p * len(v)))]
# The page opened at once: untouched levers, first look then full answer.
seq += 1
opened = time.time() - started
if k:
    post({"client": "lat", "seq": seq, "first_look": k, "settings": {}})
    print(f"  from the server's start (page opened at {opened:.2f} s): "
          f"first look {time.time() - started:.2f} s", end="")
else:
    print(f"  from the server's start (page opened at {opened:.2f} s):", end="")
post({"client": "lat", "seq": seq, "settings": {}})
print(f", full answer {time.time() - started:.2f} s")
for date in [None] + dates:
    looks, lat, cpus = [], [], []
    for i in range(n + 1):
        s = {"containment": round(0.3 + 0.1 * i, 2)}
        if date:
            s["policy_from"] = date
        look, wall, c = ask(s)
        looks.append(look)
        lat.append(wall)
        cpus.append(c)
    rest, rest_cpu = sorted(lat[1:]), sorted(cpus[1:])
    first = f"first {lat[0]:.2f} s ({cpus[0]:.1f} s CPU)"
    if k:
        rest_look = sorted(looks[1:])
        first += f" [its first look {looks[0]:.2f} s]"
        print(f"  policy from {date or 'default'}: {first}, then "
              f"first look p50 {q(rest_look, 0.5):.2f} s, p95 {q(rest_look, 0.95):.2f} s; "
              f"full p50 {q(rest, 0.5):.2f} s, p95 {q(rest, 0.95):.2f} s; "
              f"CPU p50 {q(rest_cpu, 0.5):.2f} s ({n} changes)")
    else:
        print(f"  policy from {date or 'default'}: {first}, "
              f"then p50 {q(rest, 0.5):.2f} s, p95 {q(rest, 0.95):.2f} s, "
              f"CPU p50 {q(rest_cpu, 0.5):.2f} s ({n} answers)")
for v in variants:
    look, wall, c = ask({"variant": v})
    print(f"  variant {v} toggled (its baseline not computed yet): "
          + (f"first look {look:.2f} s, " if look is not None else "")
          + f"full answer {wall:.2f} s ({c:.1f} s CPU)")
PY
  exit 0
fi

python3 - "$URL" "$CLIENTS" "$DURATION" "$SERVER" <<'PY'
import json, random, sys, threading, time, urllib.request, urllib.error
url, clients, duration, pid = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
lat, busy, errors, peak = [], [0], {}, [0]
lock = threading.Lock()
end = time.time() + duration

def rss():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0

def client(i):
    seq = 0
    while time.time() < end:
        seq += 1
        body = json.dumps({"client": f"c{i}", "seq": seq,
                           "settings": {"containment": round(random.uniform(0.2, 2.0), 2)}}).encode()
        req = urllib.request.Request(url + "/api/answer", body, {"Content-Type": "application/json"})
        t = time.time()
        try:
            with urllib.request.urlopen(req, timeout=300) as r:
                r.read()
                with lock: lat.append(time.time() - t)
        except urllib.error.HTTPError as e:
            with lock:
                if e.code == 503:
                    busy[0] += 1
                else:
                    errors[e.code] = errors.get(e.code, 0) + 1
            if e.code == 503:
                time.sleep(int(e.headers.get("Retry-After", "1")))
        except Exception as e:
            with lock: errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1

threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")
print(f"  answers: {len(lat)}, p50 {q(0.5):.2f} s, p95 {q(0.95):.2f} s")
print(f"  busy (503, Retry-After): {busy[0]}")
print(f"  errors: {sum(errors.values())} {errors if errors else ''}")
print(f"  server peak RSS: {rss() / 1024:.0f} MB")
PY
