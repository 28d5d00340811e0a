#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang into build-fuzz/ and runs each one for a while.
#   scripts/fuzz.sh [SECONDS] [TARGET...]   SECONDS per target (default 60); all targets by default
# Each run starts from the committed seeds (fuzz/corpus/<target>/); inputs it finds go to
# build-fuzz/corpus/<target>/ (never into the repository), crashing inputs to
# build-fuzz/artifacts/<target>/. Prints executions per second per target; exits non-zero when a
# target crashed, leaked, hung or broke a property check. RK_FUZZ_SEED=N fixes libFuzzer's random
# seed (the test command uses 1, so its short runs mutate the same way every time). docs/fuzzing.md
# says more.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
build=build-fuzz

# -O1 keeps the instrumented build quick to compile and fast enough to fuzz; asserts stay on.
cmake -S . -B "$build" -G Ninja -DRK_FUZZ=ON -DRK_WERROR=OFF \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in fuzz/*_fuzz.cc; do
    name=$(basename "$f" _fuzz.cc)
    targets+=("$name")
  done
fi
ninja -C "$build" "${targets[@]/%/_fuzz}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0
failed=0
summary=()
for name in "${targets[@]}"; do
  bin=$build/fuzz/${name}_fuzz
  work=$build/corpus/$name
  artifacts=$build/artifacts/$name/
  log=$build/fuzz-$name.log
  mkdir -p "$work" "$artifacts"
  seeds=()
  [ -d "fuzz/corpus/$name" ] && seeds+=("fuzz/corpus/$name")
  echo "fuzz: $name for ${seconds}s"
  if "$bin" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 ${RK_FUZZ_SEED:+-seed="$RK_FUZZ_SEED"} \
      -artifact_prefix="$artifacts" "$work" "${seeds[@]}" >"$log" 2>&1; then
    status=ok
    passed=$((passed + 1))
  else
    status=FAILED
    failed=$((failed + 1))
    echo "fuzz: $name failed; the end of $log:"
    tail -n 40 "$log"
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  summary+=("$(printf '%-14s %-7s %10s execs %8s exec/s' "$name" "$status" "${execs:-?}" \
    "${rate:-?}")")
done

printf '%s\n' "${summary[@]}"
echo "fuzz: $passed passed, $failed failed"
((failed == 0))
