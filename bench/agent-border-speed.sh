#!/usr/bin/env bash
# Border scenarios on the agent engine (issue 19): the built-in scenario and the
# examples/ border scenarios, `corridor run` (agent engine, one thread), side by
# side against a reference build. Prints, per binary, user CPU (the steady
# figure on a loaded machine), wall and peak RSS of the built-in run, and checks
# that every run directory is byte-identical to the reference's (the agent
# engine's outputs must not change). Target: built-in ≥ 4× less CPU than 0904180.
# Environment: REF (reference binary; default /work/ref/corridor-main, the lead's
# build of main; figures in docs/performance.md; the byte-identity check needs a
# build of the same built-in scenario, e.g. the parent commit: main at 53cd33b
# predates the scenario's refit, so its run directories differ), REPS
# (runs of the built-in scenario per binary, default 3), THREADS (threads of
# every run, default 1: user CPU is then the engine's work; with 2 the wall
# time shows what the second core gives, and the run directories must still
# be byte-identical), SKIP_BUILD.
set -euo pipefail
cd "$(dirname "$0")/.."

REF="${REF:-/work/ref/corridor-main}"
REPS="${REPS:-3}"
THREADS="${THREADS:-1}"
NEW="${CARGO_TARGET_DIR:-target}/release/corridor"
OUT_DIR="$(mktemp -d)"
trap 'rm -rf "$OUT_DIR"' EXIT

[[ -n "${SKIP_BUILD:-}" ]] || cargo build --release -p corridor-cli >&2
echo "bench/agent-border-speed.sh: $(nproc) CPUs, load average before $(cut -d' ' -f1-3 /proc/loadavg)"
for bin in "$REF" "$NEW"; do
  [[ -x "$bin" ]] || { echo "  $bin: not built"; continue; }
  tag=$([[ "$bin" == "$REF" ]] && echo ref || echo new)
  echo "$bin"
  for r in $(seq "$REPS"); do
    /usr/bin/time -f "  built-in run (agents, $THREADS thread(s)): user %U s, wall %e s, peak RSS %M KB" \
      "$bin" run --threads "$THREADS" --out "$OUT_DIR/$tag-builtin" -q
  done
  for e in examples/*/; do
    "$bin" run "$e" --threads "$THREADS" --out "$OUT_DIR/$tag-$(basename "$e")" -q
  done
done
if [[ -x "$REF" && -x "$NEW" ]]; then
  same=0; differ=0
  for d in "$OUT_DIR"/ref-*; do
    n="${d#"$OUT_DIR"/ref-}"
    if diff -r "$d" "$OUT_DIR/new-$n" >/dev/null; then same=$((same + 1)); else differ=$((differ + 1)); echo "  differs: $n"; fi
  done
  echo "run directories byte-identical to the reference: $same, different: $differ"
fi
echo "bench/agent-border-speed.sh: load average after $(cut -d' ' -f1-3 /proc/loadavg)"
