#!/usr/bin/env bash
# Border scenarios at interactive speed (issue 14): the built-in scenario on the
# count engine against a reference build, side by side in one run. Prints, for
# each binary: a whole `corridor run --engine counts` (wall, peak RSS), a whole
# `corridor run` on the agent engine, and a 20-member count-engine ensemble on
# THREADS cores, and `corridor compare --runs RUNS --engine counts` of the four
# built-in variants (target ≤ 5 s); then the engine-only time of the count engine (the ignored test
# `mexico_2023_count_engine_time`, no files written). Targets: engine ≤ 40 ms,
# whole run ≤ 0.15 s, ≤ 50 MB, 20 members ≤ 0.5 s on 2 cores.
# Environment: REF (reference binary; default /work/main/target/release/corridor,
# a build of commit 0904180), THREADS (default 2), RUNS (default 20), SKIP_BUILD.
set -euo pipefail
cd "$(dirname "$0")/.."

REF="${REF:-/work/main/target/release/corridor}"
THREADS="${THREADS:-2}"
RUNS="${RUNS:-20}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
NEW="$TARGET_DIR/release/corridor"
OUT_DIR="$(mktemp -d)"
trap 'rm -rf "$OUT_DIR"' EXIT

[[ -n "${SKIP_BUILD:-}" ]] || cargo build --release -p corridor-cli >&2
echo "bench/border-speed.sh: $(nproc) CPUs, load average before $(cut -d' ' -f1-3 /proc/loadavg)"
TIME=(/usr/bin/time -f "wall %e s, peak RSS %M KB")

measure() { # label, command...
  local label="$1"; shift
  local t
  if t=$("${TIME[@]}" "$@" 2>&1 >/dev/null | tail -1); then
    printf '  %-44s %s\n' "$label" "$t"
  else
    printf '  %-44s failed: %s\n' "$label" "$t"
  fi
}

n=0
for bin in "$REF" "$NEW"; do
  [[ -x "$bin" ]] || { echo "  $bin: not built"; continue; }
  echo "$bin"
  # Each binary writes into its own folders: a newer build refuses to
  # overwrite an older build's output directory that lacks a manifest.
  n=$((n + 1)); out="$OUT_DIR/$n"
  measure "run --engine counts (built-in)" "$bin" run --engine counts --threads "$THREADS" --out "$out-c" -q
  measure "run --engine agents (built-in)" "$bin" run --threads "$THREADS" --out "$out-a" -q
  measure "ensemble --runs $RUNS --engine counts (built-in)" "$bin" ensemble scenarios/mexico-2023 --runs "$RUNS" \
    --engine counts --threads "$THREADS" --out "$out-e" --quiet
  # The four built-in variants; this tree branches them from the base's members.
  measure "compare --runs $RUNS --engine counts (built-in)" "$bin" compare --runs "$RUNS" \
    --engine counts --threads "$THREADS" --out "$out-cmp" --quiet
done
echo "engine only (count engine, this tree):"
cargo test --release -p corridor-model --test border_counts mexico_2023_count_engine_time \
  -- --ignored --nocapture 2>&1 | grep -E "ms" || true
echo "bench/border-speed.sh: load average after $(cut -d' ' -f1-3 /proc/loadavg)"
