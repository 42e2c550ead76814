#!/usr/bin/env bash
# The engine's benchmarks in one command, on the 55.6M-parameter Llama-style model of
# bench/llama_55m_config.json (hidden 512, 8 layers, 8 heads, 4 KV heads, intermediate 1344,
# vocab 32000):
#
#   bench/run_engine_bench.sh BUILD_DIR [--long]
#
# 1. `longalign bench step` on the 2048+1024+512+512 pack, bf16 then fp32: tokens/s, achieved
#    TFLOP/s and the fraction of the 4096^3 GEMM ceiling measured in the same run;
# 2. attention alone (bench/attention_bench.cpp): bf16 at 4k, 16k and 64k tokens, fp32 at 4k
#    and 16k;
# 3. with --long, one training step on a single 65,536-token pack and one on a 131,072-token pack
#    under /usr/bin/time, for peak RSS (about 7 and 30 minutes on 2 cores).
# Results go to docs/PERFORMANCE.md ("Engine") by hand, with the machine they came from.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/run_engine_bench.sh BUILD_DIR [--long]" >&2; exit 2; }
build=$1
long=${2:-}
config="$(dirname "$0")/llama_55m_config.json"
cmake --build "$build" --target longalign attention_bench >/dev/null
cli="$build/src/cli/longalign"

echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(date -u +%F), commit $(git rev-parse --short HEAD)"
echo "== bench step, 2048+1024+512+512, bf16"
"$cli" bench step --config "$config" --seqlens 2048,1024,512,512 --dtype bf16 --steps 4
echo "== bench step, 2048+1024+512+512, fp32"
"$cli" bench step --config "$config" --seqlens 2048,1024,512,512 --dtype fp32 --steps 2
echo "== attention"
"$build/bench/attention_bench" --bf16 4096 16384 65536
"$build/bench/attention_bench" --fp32 4096 16384
if [ "$long" = "--long" ]; then
  for tokens in 65536 131072; do
    echo "== bench step, one pack of $tokens tokens, bf16 (peak RSS from /usr/bin/time)"
    /usr/bin/time -f "peak RSS %M KiB, %e s wall" \
      "$cli" bench step --config "$config" --seqlens "$tokens" --steps 1 --warmup 0
  done
fi
