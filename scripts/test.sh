#!/usr/bin/env bash
# Sets up, builds and runs every ringkeeper test. This is README's test command; .ci/run calls it.
#   scripts/test.sh              build into build/ and run all tests
#   RK_SANITIZE=1 scripts/test.sh  the same with ASan+UBSan, in build-asan/
# After the tests every fuzz target runs for RK_FUZZ_SECONDS (default 5) from its seeds
# (scripts/fuzz.sh, clang, build-fuzz/) with a fixed seed (RK_FUZZ_SEED, default 1);
# RK_FUZZ_SECONDS=0 skips that.
# Last, the chaos soak's 2-minute mode (tests/soak, docs/benchmarks.md "Chaos soak"): real processes
# under QUORUM load, kill -9, network and S3 faults, then its invariants. RK_SOAK_SEED (default
# 430930555) and RK_SOAK_DURATION (default 2m) change it; RK_SOAK=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

build=build
flags=()
if [ "${RK_SANITIZE:-0}" = 1 ]; then
  build=build-asan
  flags+=(-DRK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
fi
cmake -S . -B "$build" -G Ninja "${flags[@]}" >/dev/null
ninja -C "$build"
(cd "$build" && ctest --output-on-failure -j "$(nproc)" --timeout 600)
fuzz_seconds=${RK_FUZZ_SECONDS:-5}
if [ "$fuzz_seconds" != 0 ]; then
  RK_FUZZ_SEED=${RK_FUZZ_SEED:-1} bash scripts/fuzz.sh "$fuzz_seconds"
fi
# The soak prints its seed for a rerun. Exit 77: s3rver is not installed (outside CI), skipped.
if [ "${RK_SOAK:-1}" = 1 ]; then
  rc=0
  RK_SOAK_SEED="${RK_SOAK_SEED:-430930555}" RK_SOAK_DURATION="${RK_SOAK_DURATION:-2m}" \
    "$build/tests/soak/rk_chaos_soak" || rc=$?
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then exit "$rc"; fi
fi
