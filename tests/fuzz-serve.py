#!/usr/bin/env python3
"""Fuzzes the what-if server's API: no request may crash `corridor serve` or get a
500, and the server must stop cleanly afterwards.

Starts `corridor serve examples/variants --port 0 --members 3` with TMPDIR set
to a folder of its own, then sends random requests for SECONDS: lever settings
with values from the edges (negative, huge, 1e308, wrong types, nulls, unknown
keys, impossible dates, unknown ports and caravans, long strings), malformed
or oversized JSON, other methods and paths, and sometimes a valid answer or a
download. Reported: any status other than 200, 400, 404, 405, 409, 413, 415,
422 or 503; a server that exits; a stop (SIGTERM) that does not end it with
exit code 0 or leaves its work directory behind.

Not a CI test (it is random and open-ended): a tool for hardening rounds.

    python3 tests/fuzz-serve.py [SEED] [SECONDS] [BIN]
    (defaults: 1, 120, target/release/corridor)
"""
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 120
BIN = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, "target/release/corridor")
random.seed(seed)
OK = {200, 400, 404, 405, 409, 413, 415, 422, 503}

EDGES = [0, 1, -1, 0.5, 2, 10, 11, 1000, 1e308, -1e308, 4294967296, 2**64, 10**30, 1e-320,
         "x", "", None, True, [], {}, "2023-02-30", "9999-12-31", "0000-01-01", "ü" * 2000]


def value(kind):
    """A valid value of `kind` nine times in ten, else an edge case."""
    if random.random() < 0.9:
        return {
            "factor": random.choice([0, 0.25, 0.5, 1, 2, 4]),
            "members": random.choice([1, 2, 3, 4]),
            "days": random.choice([5, 10, 20, 30]),
            "date": random.choice(["2023-12-05", "2023-12-12", "2024-01-10", "2023-11-30"]),
            "people": random.choice([0, 10, 1000]),
            "bool": random.choice([True, False]),
            "text": random.choice(["fifo", "lottery", "mixed"]),
        }[kind]
    return random.choice(EDGES)


def settings(levers):
    s = {}
    for key, kind in [("members", "members"), ("days", "days"), ("seed", "people"),
                      ("policy_from", "date"), ("containment", "factor"), ("inflow", "factor"),
                      ("request_probability", "factor"),
                      ("appointments_per_day", "people"), ("allocation", "text")]:
        if random.random() < 0.3:
            s[key] = value(kind)
    # The page offers the hazard lever only where the scenario has crossings.
    if random.random() < (0.3 if levers["crossings"] else 0.03):
        s["hazard"] = value("factor")
    if random.random() < 0.2:
        s["variant"] = random.choice(levers.get("variants", [None]) + ["nope", 5])
    if random.random() < 0.3:
        s["ports"] = [{"port": random.choice(levers.get("ports", ["x"]) + ["Nowhere"]),
                       "capacity": value("people"), "closed_from": value("date"),
                       "closed_until": value("date")}]
    if random.random() < 0.2:
        s["caravans"] = [{"caravan": random.choice(levers.get("caravans", ["x"]) + ["none"]),
                          "enabled": value("bool"), "size": value("people"),
                          "date": value("date")}]
    if random.random() < 0.2:
        s["shelters"] = [{"location": random.choice(levers.get("shelters", ["x"]) + ["Nowhere"]),
                          "beds": value("people")}]
    if random.random() < 0.05:
        s["unknown_key"] = 1
    return s


def names(catalogue, key, field):
    """The names the catalogue lists under `key` (strings, or objects' `field`)."""
    items = catalogue.get(key) or []
    return [i if isinstance(i, str) else i.get(field) for i in items
            if isinstance(i, str) or (isinstance(i, dict) and i.get(field))]


work = tempfile.mkdtemp(prefix="fuzz-serve-")
env = dict(os.environ, TMPDIR=work)
server = subprocess.Popen([BIN, "serve", os.path.join(ROOT, "examples/variants"), "--port", "0",
                           "--members", "3"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          env=env, text=True)
url = server.stdout.readline().split()[2]  # "corridor serve: http://127.0.0.1:PORT/ ..."
host, port = url.split("//")[1].strip("/").split(":")
port = int(port)


def request(method, path, body=None, raw=None, timeout=120):
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    c.request(method, path, body=data, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    text = r.read()
    c.close()
    return r.status, text


status, text = request("GET", "/api/levers")
catalogue = json.loads(text)
levers = {
    "variants": names(catalogue, "variants", "name"),
    "ports": names(catalogue, "ports", "name"),
    "caravans": names(catalogue, "caravans", "name"),
    "shelters": names(catalogue, "shelters", "name"),
    "crossings": catalogue.get("crossings") or 0,
}

start, n, found, statuses = time.time(), 0, 0, {}
while time.time() - start < seconds:
    r = random.random()
    if r < 0.05:
        method, path, body, raw = random.choice([("GET", "/nope", None, None),
                                                 ("DELETE", "/api/answer", None, None),
                                                 ("GET", "/api/answer", None, None),
                                                 ("GET", "/", None, None)])
    elif r < 0.12:
        method, path, body = "POST", random.choice(["/api/answer", "/api/variant"]), None
        raw = random.choice([b"{", b"[]", b"null", b"\xff\xfe", b"{" * 10000, b" " * 70000,
                             b'{"settings": 1}', b'{"settings": {}, "seq": -1}'])
    else:
        method, raw = "POST", None
        path = random.choice(["/api/answer"] * 6 + ["/api/variant"] * 3 + ["/api/download"])
        s = settings(levers)
        if path == "/api/answer":
            body = {"client": random.choice(["a", "b", ""]), "seq": n, "settings": s}
            if random.random() < 0.2:
                body["first_look"] = random.choice([1, 2, 0, 99, -1, "x"])
        else:
            body = s
    try:
        status, text = request(method, path, body, raw)
    except Exception as e:  # noqa: BLE001 - any failure to answer is a finding
        status, text = f"no answer ({e})", b""
    statuses[status] = statuses.get(status, 0) + 1
    if status not in OK:
        found += 1
        print(f"FOUND {found}: {method} {path} -> {status}: {text[:300]!r}\n  body: "
              f"{json.dumps(body)[:500] if body is not None else raw[:100]!r}")
    if server.poll() is not None:
        print(f"FOUND: the server exited with {server.returncode}")
        found += 1
        break
    n += 1

if server.poll() is None:
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        code = "still running 30 s after SIGTERM"
    if code != 0:
        found += 1
        print(f"FOUND: SIGTERM ended the server with {code}")
left = os.listdir(work)
if left:
    found += 1
    print(f"FOUND: the server left {left} in its TMPDIR")
os.rmdir(work) if not left else None
print(f"{n} requests, statuses {statuses}, {found} found ({time.time() - start:.0f} s)")
