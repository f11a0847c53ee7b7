#!/usr/bin/env bash
# Runs the determinism probe for a few seeds in each given build preset and fails unless
# every build prints the same trace hashes (the determinism contract: same scenario and
# seed, same hash, in Debug and Release, with g++ and clang++).
# Usage: scripts/check-cross-build.sh PRESET PRESET [PRESET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=(1 2 3 42 1000)
reference=""
reference_preset=""
for preset in "$@"; do
  probe="build/${preset}/tests/sim/determinism_probe"
  if [ ! -x "$probe" ]; then
    echo "check-cross-build: no probe at $probe (build the '$preset' preset first)" >&2
    exit 2
  fi
  output=$("$probe" "${seeds[@]}")
  echo "--- ${preset}"
  echo "$output"
  if [ -z "$reference" ]; then
    reference="$output"
    reference_preset="$preset"
  elif [ "$output" != "$reference" ]; then
    echo "check-cross-build: FAIL: ${preset} differs from ${reference_preset}" >&2
    diff <(echo "$reference") <(echo "$output") >&2 || true
    exit 1
  fi
done
echo "check-cross-build: ${#seeds[@]} seeds, same trace hash in: $*"
