#!/usr/bin/env bash
# Builds samsa in the CI presets (asan: a debug build under AddressSanitizer and UBSan;
# release; clang-release), runs the whole test suite in each, then checks that the probe's
# seeds give the same trace hashes in every build. The plain debug preset is for
# development (scripts/test.sh debug); asan covers its build and more.
# Usage: scripts/test.sh [PRESET...]   (default: asan release clang-release)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

presets=("$@")
if [ ${#presets[@]} -eq 0 ]; then presets=(asan release clang-release); fi

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
