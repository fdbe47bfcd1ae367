#!/usr/bin/env bash
# tests/fuzz/run.sh - builds the libFuzzer targets and fuzzes each for a while (TARGETS.md
# R2): the seed corpus and the regression inputs are replayed first, then new inputs are
# searched for SECONDS seconds per target, two targets at a time (one per core). A crash,
# leak, timeout (> 1 s per input) or RSS above 2 GB fails the run, and the input that did it
# is left in tests/fuzz/out/<target>/ to be moved to tests/fuzz/regress/<target>/ with its fix.
#
#   tests/fuzz/run.sh [SECONDS]        (default 60; build in build-fuzz/, clang needed)
#
# BNDL_FUZZ_RUNS=N also caps each target at N inputs and fixes libFuzzer's seed (1), so a
# run is a reproducible sequence of inputs: CI uses that, so that a pass here is a pass
# there (a shorter run on a slower machine is a prefix of the same sequence). Without it
# the seed is random: a campaign.
#
# New corpus entries found during the run stay in tests/fuzz/out/ (not committed).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-60}
cd "$root"
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DBNDL_FUZZ=ON \
  -DBNDL_BUILD_TESTS=OFF -DBNDL_BUILD_EXAMPLES=OFF >/dev/null
targets=$(sed -n 's/^set(BNDL_FUZZ_TARGETS \(.*\))$/\1/p' tests/fuzz/CMakeLists.txt)
# Only the fuzzers: clang leaves the sanitizer runtime out of shared libraries, so the
# instrumented libbundle.so would not link on its own (and is not needed here).
cmake --build build-fuzz -j "${BNDL_JOBS:-2}" --target $(printf 'fuzz_%s ' $targets)
status=0
run_one() {
  local t=$1
  local out=tests/fuzz/out/$t
  mkdir -p "$out/new"
  local inputs=(tests/fuzz/corpus/"$t")
  [ -d tests/fuzz/regress/"$t" ] && inputs+=(tests/fuzz/regress/"$t")
  local fixed=()
  [ -n "${BNDL_FUZZ_RUNS:-}" ] && fixed=(-runs="$BNDL_FUZZ_RUNS" -seed=1)
  local dict=()
  [ -f tests/fuzz/dict/"$t".dict ] && dict=(-dict=tests/fuzz/dict/"$t".dict)
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    build-fuzz/tests/fuzz/fuzz_"$t" "$out/new" "${inputs[@]}" "${dict[@]}" "${fixed[@]}" -max_total_time="$seconds" \
    -timeout=1 -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$out/" -print_final_stats=1 \
    >"$out/log" 2>&1
}
set -- $targets
while [ $# -gt 0 ]; do
  pids=()
  names=()
  for _ in 1 2; do
    [ $# -gt 0 ] || break
    run_one "$1" &
    pids+=($!)
    names+=("$1")
    shift
  done
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
      printf '  %-12s ok   %s\n' "${names[$i]}" "$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' \
        tests/fuzz/out/"${names[$i]}"/log | awk '{print $2 " runs"}')"
    else
      printf '  %-12s FAILED, see tests/fuzz/out/%s/log\n' "${names[$i]}" "${names[$i]}"
      tail -n 40 tests/fuzz/out/"${names[$i]}"/log
      status=1
    fi
  done
done
exit $status
