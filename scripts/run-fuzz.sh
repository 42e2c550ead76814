#!/usr/bin/env bash
# Builds the fuzz targets (`make fuzz`: clang++, AddressSanitizer, UndefinedBehaviorSanitizer,
# libFuzzer; into build-fuzz) and fuzzes each for SECONDS (default 60), PARALLEL targets at a time
# (default 2), one process per target, each starting from fuzz/corpus/<target> plus what earlier
# runs kept in build-fuzz/fuzz-work/<target>/corpus.
#
#   scripts/run-fuzz.sh [SECONDS] [TARGET...]     all targets when none is named
#   PARALLEL=N scripts/run-fuzz.sh ...            targets fuzzed at once
#
# A process that finds something saves the input to build-fuzz/fuzz-work/<target>/findings/
# (crash-*, oom-*, timeout-*, leak-*) and is restarted, so one finding does not end the run. At the
# end one line per target gives the executions, corpus size, coverage and new findings, and the
# script exits 1 when any target added a finding. Reproduce one with
#   build-fuzz/fuzz/<target>_fuzz build-fuzz/fuzz-work/<target>/findings/crash-...
# docs/FUZZING.md describes the targets and the results so far.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
parallel=${PARALLEL:-2}
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(tokenizer safetensors config chat_record store plan checkpoint_state openai_request
           openai_client judge_score question_list http_head)
fi
make fuzz >/dev/null

fuzz_one() {
  local target=$1 work=build-fuzz/fuzz-work/$1
  local fuzzer=build-fuzz/fuzz/${target}_fuzz dict=()
  [[ -f fuzz/$target.dict ]] && dict=(-dict="fuzz/$target.dict")
  mkdir -p "$work/corpus" "$work/findings"
  rm -f "$work/run.log"
  local before end
  before=$(find "$work/findings" -type f | wc -l)
  end=$((SECONDS + seconds))
  while ((SECONDS < end)); do
    "$fuzzer" -max_total_time=$((end - SECONDS)) "${dict[@]}" -max_len=8192 -timeout=10 \
      -rss_limit_mb=4096 -malloc_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$work/findings/" "$work/corpus" "fuzz/corpus/$target" \
      >>"$work/run.log" 2>&1 || true
  done
  local runs after cov
  runs=$(grep -h "stat::number_of_executed_units" "$work/run.log" | awk '{s += $2} END {print s + 0}')
  after=$(find "$work/findings" -type f | wc -l)
  cov=$("$fuzzer" -runs=0 "$work/corpus" "fuzz/corpus/$target" 2>&1 | grep -o 'cov: [0-9]* ft: [0-9]*' | tail -1)
  echo "$target: ${seconds}s, $runs executions, corpus $(find "$work/corpus" -type f | wc -l)," \
       "$cov, findings: $((after - before)) new, $after in $work/findings" | tee "$work/summary.txt"
  ((after == before))
}

status=0
running=0
for target in "${targets[@]}"; do
  fuzz_one "$target" &
  running=$((running + 1))
  if ((running == parallel)); then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while ((running > 0)); do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
