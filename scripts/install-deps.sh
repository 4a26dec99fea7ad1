#!/usr/bin/env bash
# Installs every build and test dependency of logstack from Debian's packages.
# Idempotent: run it as often as you like. CI (.ci/run), the Dockerfiles and a
# new developer all run this one script.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  clang libclang-rt-14-dev clang-format
  libcpprest-dev libssl-dev
  libboost-dev libboost-system-dev
  nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libre2-dev libzstd-dev libsnappy-dev zlib1g-dev
  libprotobuf-dev protobuf-compiler
  libsystemd-dev systemd-journal-remote
  python3 python3-snappy curl
)
# Node.js runs the npm Loki client libraries in the tests. Some machines carry a
# nodejs package that bundles npm (and conflicts with Debian's npm package).
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
