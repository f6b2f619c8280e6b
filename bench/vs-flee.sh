#!/usr/bin/env bash
# corridor against Flee on the same inputs: wall time (start-up and output writing
# included), peak memory (/usr/bin/time) and the ratio Flee / corridor, for
#   mali2012     tests/data/flee/mali2012, full period (300 days)
#   burundi2015  tests/data/flee/burundi2015, full period (396 days; Flee ≈ 4–7 min)
#   testpar      Flee's own benchmark shape (flee_benchmark_tests/test_par.py):
#                500,000 agents at A on day 0, +10,000 a day, 10 days, on Flee's
#                7-location test graph (bench/gen_synthetic.py testpar)
#   large        a synthetic instance: 1,000 locations, 10^7 people spawned over
#                the first 10 days, 100 days (bench/gen_synthetic.py large). Flee
#                cannot run it here (spawning 10^6 agents a day one by one takes
#                longer than the timeout), so it runs the same network with
#                LARGE_FLEE_PEOPLE people (default 10^5) for LARGE_FLEE_DAYS days
#                (default 15), and its full-run time is extrapolated from its
#                measured cost per agent-day to corridor's agent-days: marked
#                "extrapolated" (~ before the ratio).
# A Flee run that times out is reported as "did not finish" with the days it
# completed, and its full-run time extrapolated from its own cost per agent-day
# (remaining days at its last agent count).
# corridor runs with both engines (`--engine agents`, `--engine counts`).
#
# Flee is Flee 3.1 from PyPI in .venv (created with `python3 -m venv .venv &&
# .venv/bin/pip install flee` when missing), driven by bench/flee_run.py (the
# package ships no run.py). Flee 3.1 reads conflict_period.csv where instances
# ship sim_period.csv, so each instance is copied to a temporary directory and
# given that file. Flee 3.1 spawns from the total series (HEAD: sum of the camp
# series), so its agent counts differ from HEAD's and corridor's on mali2012;
# tests/data/flee/REFERENCE.md has Flee HEAD's own times.
#
# Environment: CASES (default "mali2012 burundi2015 testpar large"),
# FLEE_TIMEOUT (s, default 600: "did not finish" beyond), LARGE_FLEE_PEOPLE
# (100000), LARGE_FLEE_DAYS (15),
# THREADS (corridor --threads, default all cores), KEEP=1 keeps the work directory,
# FLEE_CACHE=DIR keeps Flee's measurements there and reuses them on later runs
# (Flee takes minutes; corridor's figures are always measured afresh).
# Prints one line per run and a summary table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CASES="${CASES:-mali2012 burundi2015 testpar large}"
FLEE_TIMEOUT="${FLEE_TIMEOUT:-600}"
LARGE_FLEE_DAYS="${LARGE_FLEE_DAYS:-15}"
LARGE_FLEE_PEOPLE="${LARGE_FLEE_PEOPLE:-100000}"
THREADS="${THREADS:-$(nproc)}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$ROOT/.venv"
WORK="$(mktemp -d)"
[[ "${KEEP:-0}" == 1 ]] && echo "work directory: $WORK" >&2 || trap 'rm -rf "$WORK"' EXIT

if [[ ! -x /usr/bin/time ]]; then
  echo "vs-flee.sh needs GNU time (/usr/bin/time): apt-get install -y time" >&2
  exit 2
fi
if ! "$VENV/bin/python" -c "import flee" 2>/dev/null; then
  echo "setting up Flee in $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet flee
fi
cargo build --release -p corridor-cli >&2
CORRIDOR="$TARGET_DIR/release/corridor"

RESULTS="$WORK/results.txt"
: > "$RESULTS"

# flee_cached NAME: true (and results restored) when FLEE_CACHE has this Flee run.
flee_cached() {
  local name=$1
  [[ -n "${FLEE_CACHE:-}" && -f "$FLEE_CACHE/$name.result" ]] || return 1
  cat "$FLEE_CACHE/$name.result" >> "$RESULTS"
  cp "$FLEE_CACHE/$name.out" "$WORK/$name.out"
  echo "$name: reusing $FLEE_CACHE/$name.result" >&2
}

flee_store() {
  local name=$1
  [[ -n "${FLEE_CACHE:-}" ]] || return 0
  mkdir -p "$FLEE_CACHE"
  grep "^$name " "$RESULTS" > "$FLEE_CACHE/$name.result"
  cp "$WORK/$name.out" "$FLEE_CACHE/$name.out"
}

# measure NAME TIMEOUT CMD... : runs CMD with stdout/stderr in $WORK/NAME.{out,err};
# records "NAME wall_s peak_MB status" (status ok | timeout | failed).
measure() {
  local name=$1 limit=$2
  shift 2
  local rc=0
  /usr/bin/time -f "%e %M" -o "$WORK/$name.time" timeout "$limit" "$@" \
    > "$WORK/$name.out" 2> "$WORK/$name.err" || rc=$?
  local wall rss status=ok
  read -r wall rss < <(tail -n 1 "$WORK/$name.time")
  [[ $rc -eq 124 ]] && status=timeout
  [[ $rc -ne 0 && $rc -ne 124 ]] && status="failed($rc)"
  printf '%s %s %s %s\n' "$name" "$wall" "$((rss / 1024))" "$status" >> "$RESULTS"
  printf '%-28s wall %8.2f s  peak %6d MB  %s\n' "$name" "$wall" "$((rss / 1024))" "$status" >&2
}

# Sum of out.csv's "total refugees (simulation)" column (agent-days), the rows
# (days) and the last day's agents; complete rows only (a run cut by the
# timeout may end mid-line).
agent_days() {
  python3 - "$1" <<'EOF'
import csv, sys
try:
    rows = list(csv.reader(open(sys.argv[1])))
    h = rows[0]
    i = h.index("total refugees (simulation)")
    data = [r for r in rows[1:] if len(r) == len(h)]
    print(sum(int(float(r[i])) for r in data), len(data), int(float(data[-1][i])) if data else 0)
except Exception:
    print(0, 0, 0)
EOF
}

corridor_runs() {
  local case=$1 dir=$2
  for engine in agents counts; do
    measure "$case.corridor-$engine" 3600 "$CORRIDOR" run "$dir" --engine "$engine" \
      --threads "$THREADS" --out "$WORK/$case.$engine" --quiet
  done
}

flee_instance() {
  local case=$1 src=$2 days=$3
  local dir="$WORK/$case.flee-dir"
  if ! flee_cached "$case.flee"; then
    cp -r "$src" "$dir"
    cp "$dir/input_csv/sim_period.csv" "$dir/input_csv/conflict_period.csv"
    (cd "$dir" && measure "$case.flee" "$FLEE_TIMEOUT" "$VENV/bin/python" \
      "$ROOT/bench/flee_run.py" instance input_csv source_data "$days" simsetting.yml)
    flee_store "$case.flee"
  fi
  cp "$WORK/$case.flee.out" "$WORK/$case.flee.csv"
}

for case in $CASES; do
  case $case in
    mali2012 | burundi2015)
      flee_instance "$case" "$ROOT/tests/data/flee/$case" 0
      corridor_runs "$case" "$ROOT/tests/data/flee/$case"
      ;;
    testpar)
      python3 bench/gen_synthetic.py testpar "$WORK/testpar.corridor-dir"
      if ! flee_cached testpar.flee; then
        cp -r tests/data/flee/flee-test-data/test_input_csv "$WORK/testpar.flee-dir"
        (cd "$WORK/testpar.flee-dir" && measure testpar.flee "$FLEE_TIMEOUT" "$VENV/bin/python" \
          "$ROOT/bench/flee_run.py" bench . 500000 10000 10 simsetting.yml)
        flee_store testpar.flee
      fi
      corridor_runs testpar "$WORK/testpar.corridor-dir"
      ;;
    large)
      python3 bench/gen_synthetic.py large "$WORK/large.dir"
      python3 bench/gen_synthetic.py large "$WORK/large-small.dir" --people "$LARGE_FLEE_PEOPLE"
      flee_instance large "$WORK/large-small.dir" "$LARGE_FLEE_DAYS"
      corridor_runs large "$WORK/large.dir"
      ;;
    *) echo "unknown case $case" >&2; exit 2 ;;
  esac
done

echo
echo "corridor vs Flee 3.1 — $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %-8s %10s %9s %10s %10s %s\n' case engine "corridor s" "peak MB" "Flee s" "ratio" note
for case in $CASES; do
  read -r _ fwall frss fstatus < <(grep "^$case.flee " "$RESULTS" || echo "x 0 0 missing")
  note="Flee peak ${frss} MB"
  read -r fdays frows flast < <(agent_days "$WORK/$case.flee.csv")
  if [[ $case == large ]]; then
    read -r cdays _ _ < <(agent_days "$WORK/large.agents/out.csv")
    if [[ $fstatus == ok && $fdays -gt 0 ]]; then
      fwall=$(python3 -c "print(round($fwall * $cdays / $fdays, 1))")
      fstatus=extrapolated
      note="$note; Flee ran $LARGE_FLEE_PEOPLE people for $LARGE_FLEE_DAYS days ($fdays agent-days), extrapolated to corridor's $cdays agent-days"
    else
      note="$note; Flee $fstatus on $LARGE_FLEE_PEOPLE people, $LARGE_FLEE_DAYS days"
    fi
  elif [[ $fstatus == timeout && $fdays -gt 0 ]]; then
    read -r _ total _ < <(agent_days "$WORK/$case.agents/out.csv")
    est=$(python3 -c "print(round($FLEE_TIMEOUT * ($fdays + $flast * max(0, $total - $frows)) / $fdays))")
    note="$note; Flee did not finish: $frows of $total days in ${FLEE_TIMEOUT} s, full run extrapolated to ${est} s"
    fwall=$est
    fstatus=extrapolated
  fi
  for engine in agents counts; do
    read -r _ cwall crss cstatus < <(grep "^$case.corridor-$engine " "$RESULTS" || echo "x 0 0 missing")
    ratio="-"
    if [[ ($fstatus == ok || $fstatus == extrapolated) && $cstatus == ok ]]; then
      ratio=$(python3 -c "print(round($fwall / max($cwall, 0.01)))")
      [[ $fstatus == extrapolated ]] && ratio="~$ratio"
    elif [[ $fstatus == timeout ]]; then
      ratio="> $(python3 -c "print(round($FLEE_TIMEOUT / max($cwall, 0.01)))") (Flee did not finish in ${FLEE_TIMEOUT} s)"
    fi
    [[ $cstatus != ok ]] && ratio="corridor $cstatus"
    printf '%-12s %-8s %10s %9s %10s %10s %s\n' "$case" "$engine" "$cwall" "$crss" "$fwall" "$ratio" "$note"
  done
done
