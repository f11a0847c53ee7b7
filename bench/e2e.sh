#!/usr/bin/env bash
# End-to-end exploration throughput: runs `samsa explore default` over the same seeds with
# one worker thread and with two, and prints seeds per wall second for each and the
# speed-up. Builds nothing: give it the samsa binary (a Release build, for numbers worth
# quoting).
#
#   bench/e2e.sh build/release/cli/samsa [SEEDS] [SCENARIO]
#
# SEEDS defaults to 40, SCENARIO to default. Uses the --json summary of DESIGN.md
# ("seeds", "wall_ms"). A seed that fails a property still counts as a seed run (explore
# exits 1); bad input or usage (exit 2) stops the script.
set -euo pipefail

usage() {
  echo "usage: $0 PATH/TO/samsa [SEEDS] [SCENARIO]" >&2
  exit 2
}

[[ $# -ge 1 && $# -le 3 ]] || usage
samsa=$1
seeds=${2:-40}
scenario=${3:-default}
[[ -x $samsa ]] || { echo "$0: $samsa is not an executable" >&2; exit 2; }
[[ $seeds =~ ^[1-9][0-9]*$ ]] || { echo "$0: SEEDS must be a positive integer" >&2; exit 2; }
command -v jq > /dev/null || { echo "$0: needs jq" >&2; exit 2; }

# Prints "<seeds> <wall_ms> <failed>" of one exploration with $1 jobs.
explore() {
  local jobs=$1 out status=0
  out=$("$samsa" explore "$scenario" --seeds "$seeds" --jobs "$jobs" --json) || status=$?
  if [[ $status -ne 0 && $status -ne 1 ]]; then
    echo "$0: samsa explore exited with $status" >&2
    exit 2
  fi
  jq -r '"\(.seeds) \(.wall_ms) \(.failed // 0)"' <<< "$out"
}

# seeds/s with two decimals: seeds * 1000 / wall_ms.
rate() {
  awk -v s="$1" -v ms="$2" 'BEGIN { if (ms < 1) ms = 1; printf "%.2f", s * 1000 / ms }'
}

# An assignment from a failing substitution stops the script (set -e).
one=$(explore 1)
two=$(explore 2)
read -r seeds1 wall1 failed1 <<< "$one"
read -r seeds2 wall2 failed2 <<< "$two"
rate1=$(rate "$seeds1" "$wall1")
rate2=$(rate "$seeds2" "$wall2")
speedup=$(awk -v a="$rate1" -v b="$rate2" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')

echo "scenario $scenario, $seeds seeds"
printf 'jobs 1: %s seeds in %s ms, %s seeds/s (%s failed)\n' "$seeds1" "$wall1" "$rate1" "$failed1"
printf 'jobs 2: %s seeds in %s ms, %s seeds/s (%s failed)\n' "$seeds2" "$wall2" "$rate2" "$failed2"
echo "speed-up with 2 jobs: ${speedup}x"
