#!/usr/bin/env bash
# Installs every Debian package samsa needs to build, test and benchmark. Idempotent:
# when everything is already installed it changes nothing and touches no network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache clang
  libboost-fiber-dev libboost-context-dev
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev jq
  chromium python3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
