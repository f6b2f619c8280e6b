#!/usr/bin/env bash
# Backtests of `corridor forecast` on the four Flee instances (docs/forecast.md,
# "Skill"): origins every 30 days from day 60 (car2013: day 90) to 91 days
# before the end, horizons 30/60/90 days, MEMBERS members (default 20), seed 1.
# The warm-up rule (no weighting before day 30) leaves day 30 without observations.
# The figures in docs/forecast.md use 10 members (one history per member; above
# 10 members forecasts branch fewer histories at the origin, docs/forecast.md); car2013 takes ~10 min on a
# loaded two-core machine, the other three ~4 min together.
# Usage: bench/forecast-backtest.sh [MEMBERS [INSTANCE...]]   (from the repository root)
# Prints each instance's skill table; takes a few minutes on two cores. Each
# backtest's directory (skill.csv, outcomes.csv, summary.json) goes to OUT/<instance>
# (OUT default: a temporary folder, removed at the end).
set -euo pipefail
members=${1:-20}
shift || true
instances=("$@")
[ ${#instances[@]} -gt 0 ] || instances=(mali2012 burundi2015 car2013 ssudan2013)
cargo build --release -q -p corridor-cli
bin=target/release/corridor
if [[ -n "${OUT:-}" ]]; then out_dir=$OUT; else out_dir=$(mktemp -d); trap 'rm -rf "$out_dir"' EXIT; fi
for inst in "${instances[@]}"; do
    dir=tests/data/flee/$inst
    start=$(awk -F, '$1=="StartDate"{print $2}' "$dir/input_csv/sim_period.csv")
    length=$(awk -F, '$1=="Length"{print $2}' "$dir/input_csv/sim_period.csv")
    # car2013 has no camp data between day 30 and day 60 (Dec 2013 – Jan 2014).
    case $inst in car2013) first=90 ;; *) first=60 ;; esac
    from=$(date -u -d "$start + $first days" +%F)
    to=$(date -u -d "$start + $((length - 91)) days" +%F)
    echo "== $inst ($start, $length days; origins $from..$to every 30 days)"
    /usr/bin/time -f "   %e s wall" "$bin" backtest "$dir" --origins "$from..$to" --every 30 \
        --horizon 30,60,90 --runs "$members" --seed 1 --no-progress --out "$out_dir/$inst"
done
