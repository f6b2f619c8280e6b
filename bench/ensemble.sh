#!/usr/bin/env bash
# Times a 1,000-member ensemble of mali2012 (target: < 60 s on 2 cores).
# Builds release, then runs `corridor ensemble` when the CLI has that command, or
# corridor-ensemble's `ensemble_bench` example otherwise (same library call).
# Prints wall time, user CPU and peak memory; output goes to a temporary directory
# unless OUT is set. Environment: RUNS (default 1000), THREADS (default 2),
# SEED (default 1), INSTANCE (default tests/data/flee/mali2012), OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-1000}"
THREADS="${THREADS:-2}"
SEED="${SEED:-1}"
INSTANCE="${INSTANCE:-tests/data/flee/mali2012}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
OUT_DIR="${OUT:-$(mktemp -d)}"
[[ -n "${OUT:-}" ]] || trap 'rm -rf "$OUT_DIR"' EXIT

cargo build --release -p corridor-ensemble --example ensemble_bench
CMD=("$TARGET_DIR/release/examples/ensemble_bench" "$INSTANCE" --runs "$RUNS" --seed "$SEED" --threads "$THREADS" --out "$OUT_DIR")
if cargo build --release -p corridor-cli 2>/dev/null && "$TARGET_DIR/release/corridor" ensemble --help >/dev/null 2>&1; then
  CMD=("$TARGET_DIR/release/corridor" ensemble "$INSTANCE" --runs "$RUNS" --seed "$SEED" --threads "$THREADS" --out "$OUT_DIR" --quiet)
fi

echo "bench/ensemble.sh: ${CMD[*]}" >&2
TIME=(/usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB")
[[ -x /usr/bin/time ]] || TIME=(bash -c 'time "$@"' --)
"${TIME[@]}" "${CMD[@]}"
echo "bench/ensemble.sh: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
