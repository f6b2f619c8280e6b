#!/usr/bin/env bash
# Times a 1,000-member ensemble of mali2012 (issue 7's target: < 60 s on 2 cores)
# with `corridor ensemble`. Builds the release CLI first; prints wall time, user
# CPU and peak memory, and the machine's load. Output goes to a temporary
# directory unless OUT is set. Environment: RUNS (default 1000), THREADS (default
# 2), SEED (default 1), INSTANCE (default tests/data/flee/mali2012), ENGINE
# (agents or counts; default agents), OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-1000}"
THREADS="${THREADS:-2}"
SEED="${SEED:-1}"
INSTANCE="${INSTANCE:-tests/data/flee/mali2012}"
ENGINE="${ENGINE:-agents}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
OUT_DIR="${OUT:-$(mktemp -d)}"
[[ -n "${OUT:-}" ]] || trap 'rm -rf "$OUT_DIR"' EXIT

cargo build --release -p corridor-cli >&2
CMD=("$TARGET_DIR/release/corridor" ensemble "$INSTANCE" --runs "$RUNS" --seed "$SEED"
  --threads "$THREADS" --engine "$ENGINE" --out "$OUT_DIR" --quiet)

echo "bench/ensemble.sh: ${CMD[*]}" >&2
echo "bench/ensemble.sh: $(nproc) CPUs, load average before $(cut -d' ' -f1-3 /proc/loadavg)" >&2
TIME=(/usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB")
[[ -x /usr/bin/time ]] || TIME=(bash -c 'time "$@"' --)
"${TIME[@]}" "${CMD[@]}"
echo "bench/ensemble.sh: load average after $(cut -d' ' -f1-3 /proc/loadavg)" >&2
