#!/usr/bin/env bash
# Training steps on the GPU: Llama-2-7B's layer shape (hidden 4096, 32 heads, ff 11008, vocab
# 32000) with 16 layers and the full optimizer state (bench/llama7b_16_layers_config.json), one
# pack of 8k, 32k or 64k tokens, our engine (`longalign bench step --device cuda`) against
# PyTorch on the same machine in the same run (bench/torch_step_bench.py). Prints tokens/s, peak
# memory and MFU: model FLOPs over time against 989 TFLOP/s (H100/H200 dense bf16), model FLOPs
# per token being 6 x the matrix weights (layers and LM head) plus causal attention, 12 x layers x
# heads x head_dim per query-key pair (forward and backward, no recomputation counted).
#
#   bench/run_cuda_bench.sh LONGALIGN OUT_DIR [--short]     (--short: 8k and 64k, 2 steps)
set -uo pipefail
cli=$1 out=$2 mode=${3:-}
here="$(cd "$(dirname "$0")" && pwd)"
config="$here/llama7b_16_layers_config.json"
mkdir -p "$out"
lengths="8192 32768 65536" steps=3
[ "$mode" = --short ] && lengths="8192 65536" steps=2
for n in $lengths; do
  echo "== $n tokens: longalign"
  "$cli" bench step --device cuda --config "$config" --seqlens "$n" --steps $steps --warmup 1 \
    --json > "$out/ours-$n.json" 2> "$out/ours-$n.log" || tail -n 3 "$out/ours-$n.log"
  echo "== $n tokens: PyTorch"
  python3 "$here/torch_step_bench.py" --config "$config" --seqlens "$n" --steps $steps \
    > "$out/torch-$n.json" 2> "$out/torch-$n.log" || tail -n 3 "$out/torch-$n.log"
done
python3 - "$out" "$config" $lengths <<'PY'
import json, sys
out, config, lengths = sys.argv[1], json.load(open(sys.argv[2])), [int(n) for n in sys.argv[3:]]
c = config
h, i, L, V = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"], c["vocab_size"]
H, G = c["num_attention_heads"], c["num_key_value_heads"]
D = h // H
weights = L * (h * (H + 2 * G) * D + H * D * h + 3 * h * i) + V * h
def flops(T):  # one pack of T tokens
    return 6 * weights * T + 12 * L * H * D * T * (T + 1) / 2
def load(name):
    try:
        return json.load(open(f"{out}/{name}.json"))
    except Exception:
        return None
print(f"{'tokens':>7} {'ours tok/s':>11} {'MFU':>6} {'GiB':>6} {'torch tok/s':>12} {'MFU':>6} {'GiB':>6} {'ours/torch':>10}")
for T in lengths:
    ours, torch = load(f"ours-{T}"), load(f"torch-{T}")
    row = f"{T:>7}"
    for r in (ours, torch):
        if r:
            mfu = flops(T) / r["step_seconds"] / 989e12
            row += f" {r['tokens_per_second']:>11.0f} {100 * mfu:>5.1f}% {r['peak_memory_bytes'] / 2**30:>6.1f}"
        else:
            row += f" {'failed':>11} {'-':>6} {'-':>6}"
    if ours and torch:
        row += f" {ours['tokens_per_second'] / torch['tokens_per_second']:>9.2f}x"
    print(row)
PY
