#!/usr/bin/env bash
# Builds samsa in the CI presets (asan: g++ with optimisation, AddressSanitizer and UBSan;
# clang-release: clang++ -O3), runs the whole test suite in each, then checks that the
# probe's seeds give the same trace hashes in both builds — two compilers, two optimisation
# levels. The debug and release presets are for development (scripts/test.sh debug
# release); CI leaves out the g++ release build, which asan and clang-release bracket, to
# stay within its time budget.
# Usage: scripts/test.sh [PRESET...]   (default: asan clang-release)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

presets=("$@")
if [ ${#presets[@]} -eq 0 ]; then presets=(asan clang-release); fi

for preset in "${presets[@]}"; do
  echo "=== ${preset}: configure, build, test ==="
  cmake --preset "$preset" > /dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
done

if [ ${#presets[@]} -gt 1 ]; then
  echo "=== determinism across builds (${presets[*]}) ==="
  bash scripts/check-cross-build.sh "${presets[@]}"
fi
