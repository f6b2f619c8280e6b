#!/usr/bin/env bash
# Resident memory over a long run: 10^7 people over a year on a synthetic
# instance (bench/gen_synthetic.py large: LOCATIONS locations, people spawned
# over the first 10 days, then no more: the population stays constant). Samples VmRSS of the corridor process from
# /proc/PID/status every INTERVAL seconds and prints the series, then the peak
# (/usr/bin/time) and what the state and the recorded outputs should take:
#   agents: PEOPLE × BYTES_PER_AGENT (25–29 bytes), reached when spawning ends;
#   records: one DayRecord per day, ≈ 10 vectors of 8-byte counts per location
#            (population, on_links_toward, arrived, departed, queue, sheltered,
#            unsheltered, admitted, encountered, intercepted), growing linearly.
# Memory is "flat" when, after spawning ends, RSS grows by no more than the
# records. Writing the outputs at the end adds the text of daily.csv in memory.
#
# Environment: PEOPLE (10000000), DAYS (365), LOCATIONS (200), ENGINE (agents |
# counts), INTERVAL (1), THREADS (all cores), KEEP=1 keeps the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${PEOPLE:-10000000}"
DAYS="${DAYS:-365}"
LOCATIONS="${LOCATIONS:-200}"
ENGINE="${ENGINE:-agents}"
INTERVAL="${INTERVAL:-1}"
THREADS="${THREADS:-$(nproc)}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
WORK="$(mktemp -d)"
[[ "${KEEP:-0}" == 1 ]] && echo "work directory: $WORK" >&2 || trap 'rm -rf "$WORK"' EXIT

cargo build --release -p corridor-cli >&2
python3 bench/gen_synthetic.py large "$WORK/instance" --locations "$LOCATIONS" \
  --people "$PEOPLE" --days "$DAYS" --growth 0

/usr/bin/time -f "%e %M" -o "$WORK/time" "$TARGET_DIR/release/corridor" run "$WORK/instance" \
  --engine "$ENGINE" --threads "$THREADS" --out "$WORK/out" --quiet &
TPID=$!
# The corridor process is the child of /usr/bin/time.
PID=""
for _ in $(seq 50); do
  PID=$(pgrep -P "$TPID" || true)
  [[ -n "$PID" ]] && break
  sleep 0.1
done
echo "seconds rss_MB"
start=$(date +%s.%N)
while [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/$PID/status" 2>/dev/null || true)
  [[ -n "$rss" ]] && printf '%7.1f %6s\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$rss"
  sleep "$INTERVAL"
done
wait "$TPID"
read -r wall peak < "$WORK/time"
links=$(($(wc -l < "$WORK/instance/input_csv/routes.csv") - 1))
echo
spawned=$(python3 -c "import json; print(json.load(open('$WORK/out/summary.json'))['accounting']['spawned'])")
echo "engine $ENGINE, $spawned people, $DAYS days, $LOCATIONS locations, $links routes"
echo "wall $wall s, peak RSS $((peak / 1024)) MB"
echo "expected: agents $((spawned * 29 / 1048576)) MB at most (agent engine, 29 bytes each), records $((DAYS * LOCATIONS * 10 * 8 / 1048576)) MB at the end"
