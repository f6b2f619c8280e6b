#!/usr/bin/env bash
# Reproduces the numbers of docs/validation.md: validation of the shipped settings
# of the four Flee instances at full resolution, CMA-ES calibration on coarse
# copies (in sample and leave one out), and full-resolution scores of shipped,
# in-sample and leave-one-out settings.
#
# Runs corridor-calibrate's `flee_calibration` example (the same library calls as
# `corridor validate` / `corridor calibrate`). Outputs (validation-*.json,
# simsetting.yml, trace.csv, calibration.json, results.md) go to OUT (default:
# corridor-out/calibrate). Environment: RUNS (3), SEED (1), BUDGET (80),
# RUNS_PER_EVAL (1), COARSE (10), POPULATION (8), THREADS (all cores),
# PARAMS (name:low:high,...; default: the four of the docs), OBJECTIVE
# (ard_rescaled or ard; default ard_rescaled),
# INSTANCES (default: the four of tests/data/flee). Takes ~10-20 min on 2 cores
# (five calibrations of ~2-3 min plus full-resolution runs).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
SEED="${SEED:-1}"
BUDGET="${BUDGET:-80}"
RUNS_PER_EVAL="${RUNS_PER_EVAL:-1}"
COARSE="${COARSE:-10}"
POPULATION="${POPULATION:-8}"
OUT="${OUT:-corridor-out/calibrate}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
F=tests/data/flee
INSTANCES="${INSTANCES:-$F/mali2012 $F/burundi2015 $F/ssudan2013 $F/car2013}"

cargo build --release -p corridor-calibrate --example flee_calibration
ARGS=(--out "$OUT" --runs "$RUNS" --seed "$SEED" --budget "$BUDGET" --runs-per-eval "$RUNS_PER_EVAL"
      --coarse "$COARSE" --population "$POPULATION")
[[ -n "${THREADS:-}" ]] && ARGS+=(--threads "$THREADS")
[[ -n "${PARAMS:-}" ]] && ARGS+=(--params "$PARAMS")
[[ -n "${OBJECTIVE:-}" ]] && ARGS+=(--objective "$OBJECTIVE")
mkdir -p "$OUT"
# shellcheck disable=SC2086
"$TARGET_DIR/release/examples/flee_calibration" "${ARGS[@]}" $INSTANCES
echo "bench/calibrate.sh: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT/results.md" >&2
