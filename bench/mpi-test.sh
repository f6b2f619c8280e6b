#!/usr/bin/env bash
# MPI checks (docs/design.md §8): what is computed over MPI ranks must be byte-identical
# to the single-process result.
#  1. Ensembles: builds corridor-ensemble's `mpi_ensemble` example with the `mpi`
#     feature, runs it without MPI (--serial) and under `mpirun -np 2` and `-np 3`,
#     and compares the output directories.
#  2. One large run partitioned over ranks: builds the CLI with `--features mpi`
#     and compares the whole run directory (out.csv, daily.csv, observed.csv,
#     network.json, summary.json, report.html) of `corridor run RUN_INSTANCE` with
#     those of `mpirun -np 2` and `-np 3` `corridor run RUN_INSTANCE --partitioned`;
#     checks that another seed changes the run and that what cannot be
#     partitioned (`--engine counts`) is refused with exit code 2.
#  3. The same comparison for scenarios with border processes (ports, queues,
#     appointments, checkpoints, crossings, caravans, papers): BORDER_EXAMPLES
#     (default: examples/papers, with a papers office, a relocation event and a
#     caravan, and examples/port-balking, where walk-ups balk and renege) and the
#     built-in scenario over BUILTIN_DAYS days (default 90).
# Exits non-zero on any difference.
#
# Needs a system MPI and libclang (Debian: libopenmpi-dev openmpi-bin libclang-dev);
# set INSTALL_DEPS=1 to apt-get them. Options through the environment:
#   RUNS (default 300: more than one batch of 256 members), SEED (default 7),
#   INSTANCE (a Flee instance directory for the ensembles; default: the built-in
#   toy scenario), RUN_INSTANCE (the input of the partitioned run; default
#   tests/data/flee/mali2012: 300 days, ~90,000 agents), BORDER_EXAMPLES
#   (space-separated scenario directories), BUILTIN_DAYS (0 skips the built-in
#   scenario), PROFILE (dev or release; default dev).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${INSTALL_DEPS:-0}" == 1 ]] && ! command -v mpirun >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenmpi-dev openmpi-bin libclang-dev
fi
for tool in mpirun mpicc; do
  command -v "$tool" >/dev/null || { echo "mpi-test: $tool not found (install libopenmpi-dev openmpi-bin libclang-dev, or INSTALL_DEPS=1)" >&2; exit 1; }
done

RUNS="${RUNS:-300}"
SEED="${SEED:-7}"
PROFILE="${PROFILE:-dev}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
if [[ "$PROFILE" == dev ]]; then sub=debug; else sub="$PROFILE"; fi

cargo build --profile "$PROFILE" -p corridor-ensemble --features mpi --example mpi_ensemble
cargo build --profile "$PROFILE" -p corridor-cli --features mpi
BIN="$TARGET_DIR/$sub/examples/mpi_ensemble"
CLI="$TARGET_DIR/$sub/corridor"
RUN_INSTANCE="${RUN_INSTANCE:-tests/data/flee/mali2012}"

if [[ -n "${INSTANCE:-}" ]]; then INPUT=("$INSTANCE"); else INPUT=(--toy); fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# Open MPI refuses to run as root without these; harmless otherwise.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=(mpirun --oversubscribe)
if [[ "$(id -u)" == 0 ]]; then MPIRUN+=(--allow-run-as-root); fi

"$BIN" "${INPUT[@]}" --runs "$RUNS" --seed "$SEED" --out "$WORK/serial" --serial
status=0
for np in 2 3; do
  "${MPIRUN[@]}" -np "$np" "$BIN" "${INPUT[@]}" --runs "$RUNS" --seed "$SEED" --out "$WORK/np$np"
  if diff -r "$WORK/serial" "$WORK/np$np" >/dev/null; then
    echo "mpi-test: $RUNS members, -np $np: identical to the single-process run ($(ls "$WORK/np$np" | tr '\n' ' '))"
  else
    echo "mpi-test: $RUNS members, -np $np: DIFFERS from the single-process run" >&2
    diff -r "$WORK/serial" "$WORK/np$np" | head -20 >&2 || true
    status=1
  fi
done
# A different seed must change the output, or the comparison proves nothing.
"$BIN" "${INPUT[@]}" --runs 8 --seed "$((SEED + 1))" --out "$WORK/other" --serial
if cmp -s "$WORK/serial/daily_stats.csv" "$WORK/other/daily_stats.csv"; then
  echo "mpi-test: outputs do not depend on the seed; the check is void" >&2
  status=1
fi

# One run partitioned over ranks: agents split by id, counts all-reduced each day.
# partitioned_equals_serial NAME LABEL ARGS...: runs `corridor run ARGS` serially
# into $WORK/NAME-serial and over 2 and 3 ranks, and compares the run directories.
partitioned_equals_serial() {
  local name=$1 label=$2
  shift 2
  "$CLI" --quiet run "$@" --out "$WORK/$name-serial"
  for np in 2 3; do
    if ! "${MPIRUN[@]}" -np "$np" "$CLI" run "$@" --out "$WORK/$name-np$np" \
        --partitioned >"$WORK/$name-np$np.log"; then
      echo "mpi-test: partitioned run of $label, -np $np: FAILED" >&2
      status=1
    # Rank 0 says how many ranks shared the run: without it, two serial runs
    # writing the same directory would pass the comparison below.
    elif ! grep -qx "partitioned over $np MPI ranks" "$WORK/$name-np$np.log"; then
      echo "mpi-test: $label, -np $np: the run was not partitioned over $np ranks:" >&2
      cat "$WORK/$name-np$np.log" >&2
      status=1
    elif diff -r "$WORK/$name-serial" "$WORK/$name-np$np" >/dev/null; then
      echo "mpi-test: partitioned run of $label, -np $np: identical to the serial run ($(ls "$WORK/$name-np$np" | tr '\n' ' '))"
    else
      echo "mpi-test: partitioned run of $label, -np $np: DIFFERS from the serial run" >&2
      diff -r "$WORK/$name-serial" "$WORK/$name-np$np" | head -20 >&2 || true
      status=1
    fi
  done
}
partitioned_equals_serial run "$RUN_INSTANCE" "$RUN_INSTANCE" --seed "$SEED"
if ! "${MPIRUN[@]}" -np 2 "$CLI" --quiet run "$RUN_INSTANCE" --seed "$((SEED + 1))" \
    --out "$WORK/run-other" --partitioned; then
  echo "mpi-test: partitioned run of $RUN_INSTANCE, seed $((SEED + 1)): FAILED" >&2
  status=1
elif cmp -s "$WORK/run-serial/daily.csv" "$WORK/run-other/daily.csv" \
    || cmp -s "$WORK/run-serial/out.csv" "$WORK/run-other/out.csv"; then
  echo "mpi-test: partitioned run: the output does not depend on the seed; the check is void" >&2
  status=1
else
  echo "mpi-test: partitioned run of $RUN_INSTANCE, seed $((SEED + 1)): differs from seed $SEED"
fi
# The count engine has no agents to split: refused, as bad input.
rc=0
"${MPIRUN[@]}" -np 2 "$CLI" --quiet run "$RUN_INSTANCE" --engine counts --out "$WORK/run-counts" \
  --partitioned >/dev/null 2>"$WORK/counts.err" || rc=$?
if [[ "$rc" == 2 && ! -e "$WORK/run-counts" ]]; then
  echo "mpi-test: partitioned run on the count engine: refused with exit code 2"
else
  echo "mpi-test: partitioned run on the count engine: exit code $rc, expected 2 and no output" >&2
  cat "$WORK/counts.err" >&2
  status=1
fi

# Border scenarios: BorderState whole on every rank, the border steps' candidates
# gathered in id order, the tally summed after them.
BORDER_EXAMPLES="${BORDER_EXAMPLES:-examples/papers examples/port-balking}"
BUILTIN_DAYS="${BUILTIN_DAYS:-90}"
border_runs=()
for ex in $BORDER_EXAMPLES; do border_runs+=("$ex|$ex|"); done
if [[ "$BUILTIN_DAYS" != 0 ]]; then border_runs+=("built-in scenario|-|--days $BUILTIN_DAYS"); fi
k=0
for spec in "${border_runs[@]}"; do
  IFS='|' read -r label input extra <<<"$spec"
  k=$((k + 1))
  args=()
  if [[ "$input" != - ]]; then args+=("$input"); fi
  # shellcheck disable=SC2206
  args+=($extra --seed "$SEED")
  partitioned_equals_serial "border$k" "the $label" "${args[@]}"
done
exit "$status"
