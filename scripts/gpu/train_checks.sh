#!/usr/bin/env bash
# `longalign train` on the GPU as a user runs it (scripts/gpu-check.sh, step 2):
#   - a run stopped after 6 steps and resumed ends with the same weights, bit for bit, as one that
#     never stopped (deterministic kernels);
#   - a checkpoint written on the CPU resumes on the GPU, and one written on the GPU on the CPU,
#     and both then track the uninterrupted GPU run (fp32, within 1e-3 relative per step).
#
#   scripts/gpu/train_checks.sh LONGALIGN TOKENIZER_DIR OUT_DIR
#
# DEVICE=cpu runs the same checks with the CPU in the GPU's place (to check this script where
# there is no GPU).
set -euo pipefail
cli=$1 tokenizer=$2 out=$3
gpu=${DEVICE:-cuda}
rm -rf "$out" && mkdir -p "$out"
config="$out/config.json"
cat > "$config" <<'JSON'
{"model_type": "llama", "hidden_size": 256, "num_hidden_layers": 2, "num_attention_heads": 4,
 "num_key_value_heads": 2, "intermediate_size": 512, "vocab_size": 32000,
 "max_position_embeddings": 4096, "rms_norm_eps": 1e-5, "rope_theta": 2000000.0,
 "hidden_act": "silu", "initializer_range": 0.02, "tie_word_embeddings": false,
 "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}
JSON
cp -r "$tokenizer" "$out/tok"
"$cli" synth chats --count 400 --seed 3 -o "$out/chats.jsonl"
"$cli" data prepare "$out/chats.jsonl" --tokenizer "$out/tok" --template llama2 --max-len 512 \
  --truncate right -o "$out/store" >/dev/null
"$cli" data plan "$out/store" --method pack --max-tokens 1024 --batch-size 1 --grad-accum 2 \
  --seed 1 -o "$out/plan.json" >/dev/null
"$cli" model init --config "$config" -o "$out/init" --seed 1 --tokenizer "$out/tok" >/dev/null
train() {  # RUN DEVICE EXTRA...
  local run=$1 device=$2
  shift 2
  "$cli" train --model "$out/init" --data "$out/store" --plan "$out/plan.json" -o "$out/$run" \
    --device "$device" --dtype fp32 --lr 1e-3 --save-dtype fp32 --log-every 1000 "$@"
}
train cuda-full "$gpu"
train cuda-split "$gpu" --max-steps 6 --save-every 3
train cuda-split "$gpu" --resume
cmp "$out/cuda-full/model/model.safetensors" "$out/cuda-split/model/model.safetensors"
echo "resumed GPU run: bit-identical weights"

train cpu-then-cuda cpu --max-steps 6 --save-every 3
train cpu-then-cuda "$gpu" --resume
train cuda-then-cpu "$gpu" --max-steps 6 --save-every 3
train cuda-then-cpu cpu --resume
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
def losses(run):
    rows = [json.loads(l) for l in open(f"{out}/{run}/metrics.jsonl")]
    return {r["step"]: r["loss"] for r in rows if "loss" in r}
full = losses("cuda-full")
for run in ("cpu-then-cuda", "cuda-then-cpu"):
    other = losses(run)
    worst = max(abs(other[s] - full[s]) / abs(full[s]) for s in full)
    assert worst < 1e-3, f"{run}: loss differs from the GPU run by {worst:.2e} relative"
    print(f"{run}: every step's loss within {worst:.1e} of the uninterrupted GPU run")
PY
