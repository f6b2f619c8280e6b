#!/usr/bin/env bash
# MPI ensemble check (DESIGN §8): the ensemble computed over MPI ranks must be
# byte-identical to the single-process one. Builds corridor-ensemble's
# `mpi_ensemble` example with the `mpi` feature, runs it without MPI (--serial)
# and under `mpirun -np 2` and `-np 3`, and compares the output directories.
# Exits non-zero on any difference.
#
# Needs a system MPI and libclang (Debian: libopenmpi-dev openmpi-bin libclang-dev);
# set INSTALL_DEPS=1 to apt-get them. Options through the environment:
#   RUNS (default 300: more than one batch of 256 members), SEED (default 7),
#   INSTANCE (a Flee instance directory; default: the built-in toy scenario),
#   PROFILE (dev or release; default dev).
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
BIN="$TARGET_DIR/$sub/examples/mpi_ensemble"

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
exit "$status"
