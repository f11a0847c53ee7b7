#!/usr/bin/env bash
# Builds samsa in every preset (debug, release, asan, clang-release), runs the whole test
# suite in each, then checks that one seed gives the same trace hash in every build.
# Usage: scripts/test.sh [PRESET...]   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

presets=("$@")
if [ ${#presets[@]} -eq 0 ]; then presets=(debug release asan clang-release); fi

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
