#!/usr/bin/env bash
# Builds the tokenizer fuzzer (`make fuzz`: clang++, AddressSanitizer, UndefinedBehaviorSanitizer,
# libFuzzer; into build-fuzz) and runs it for SECONDS (default 60), one fuzzing process per core,
# starting from fuzz/corpus plus whatever earlier runs kept in build-fuzz/fuzz-work/corpus.
#
#   scripts/run-fuzz.sh [SECONDS]        JOBS=N sets the number of processes (default nproc)
#
# The processes share the working corpus. One that finds something saves the input to
# build-fuzz/fuzz-work/findings/ (crash-*, oom-*, timeout-*, leak-*) and is restarted, so one
# finding does not end the run; the script exits 1 when the run added a finding. Reproduce one with
#   build-fuzz/fuzz/tokenizer_fuzz build-fuzz/fuzz-work/findings/crash-...
# docs/FUZZING.md describes the target and the results so far.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
jobs=${JOBS:-$(nproc)}
make fuzz >/dev/null

fuzzer=build-fuzz/fuzz/tokenizer_fuzz
work=build-fuzz/fuzz-work
mkdir -p "$work/corpus" "$work/findings" "$work/logs"
rm -f "$work"/logs/*.log
before=$(find "$work/findings" -type f | wc -l)

end=$((SECONDS + seconds))
worker() {
  local id=$1
  while ((SECONDS < end)); do
    "$fuzzer" -max_total_time=$((end - SECONDS)) -dict=fuzz/tokenizer.dict -max_len=8192 \
      -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$work/findings/" "$work/corpus" fuzz/corpus \
      >>"$work/logs/worker-$id.log" 2>&1 || true
  done
}
for id in $(seq "$jobs"); do worker "$id" & done
wait

runs=$(grep -h "stat::number_of_executed_units" "$work"/logs/*.log | awk '{s += $2} END {print s + 0}')
after=$(find "$work/findings" -type f | wc -l)
echo "$jobs processes, ${seconds}s: $runs executions; corpus $(find "$work/corpus" -type f | wc -l)" \
     "inputs; findings: $((after - before)) new, $after in $work/findings"
echo "coverage of the corpus: $("$fuzzer" -runs=0 "$work/corpus" 2>&1 | grep -o 'cov: [0-9]* ft: [0-9]*' | tail -1)"
((after == before))
