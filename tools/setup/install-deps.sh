#!/usr/bin/env bash
# Installs the Debian 12 packages bfdchain needs, only those that are missing.
# Idempotent; must run as root (or with sudo available). Safe to run on every build.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libcaf-dev libmsgpack-cxx-dev librocksdb-dev libssl-dev libsecp256k1-dev
  libfmt-dev doctest-dev libtomlplusplus-dev libcpp-httplib-dev nlohmann-json3-dev
  libcli11-dev libspdlog-dev prometheus-cpp-dev gnuplot-nox libboost-dev
  libjemalloc-dev  # the allocator of bfd-node and bfd-bench (docs/performance.md, "Allocator")
  clang libclang-rt-14-dev xxd curl openssl python3
  wabt lld  # WebAssembly contracts: libwabt.a + interp headers; wat2wasm and wasm-ld rebuild the examples
  python3-yaml python3-jsonschema  # tests/http/openapi_check.py
  libhiredis-dev redis-server  # the read cache's Redis backend and its tests (docs/cache.md)
  chromium  # the explorer's browser test (tests/browser), driven by playwright-core
)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The npm projects of the repository: `npm ci` in each (node_modules/ is not committed).
npm_projects=(
  tests/api  # the OpenAPI check against a real node (tests/api/README.md)
  tests/browser  # the explorer in headless Chromium (tests/browser/README.md)
  sdk/ts     # the TypeScript client (sdk/ts/README.md); ctest's sdk_ts_build compiles it
)

# npm ci in each project unless its node_modules is newer than its package-lock.json.
install_npm_projects() {
  for dir in "${npm_projects[@]}"; do
    local lock="$root/$dir/package-lock.json" stamp="$root/$dir/node_modules/.package-lock.json"
    if [ -f "$stamp" ] && [ "$stamp" -nt "$lock" ]; then
      echo "install-deps: $dir: npm packages present"
      continue
    fi
    echo "install-deps: $dir: npm ci"
    (cd "$root/$dir" && npm ci --no-audit --no-fund)
  done
}

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js and npm (the npm projects above): Debian's nodejs and npm unless a node and an npm are
# already installed (e.g. NodeSource's nodejs, which bundles npm and conflicts with Debian's npm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  install_npm_projects
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: must run as root to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
install_npm_projects
