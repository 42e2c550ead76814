"""A model folder that longalign trained on the GPU, loaded in Hugging Face transformers: every
sample of a store scored by both, per-sample mean losses compared (scripts/gpu-check.sh, step 3).

    python3 scripts/gpu/transformers_check.py MODEL_DIR STORE LONGALIGN
"""
import json
import struct
import subprocess
import sys

import torch
from transformers import AutoModelForCausalLM


def read_store(store, limit):
    """The first `limit` samples of a tokenized store: (ids, target mask) each."""
    meta = json.load(open(f"{store}/meta.json"))
    index = open(f"{store}/index", "rb").read()
    tokens = open(f"{store}/tokens.u32", "rb").read()
    mask = open(f"{store}/mask.u8", "rb").read()
    samples = []
    for i in range(min(limit, meta["samples"])):
        offset, length, _, _ = struct.unpack_from("<QIII", index, 20 * i)
        ids = list(struct.unpack_from(f"<{length}I", tokens, 4 * offset))
        samples.append((ids, list(mask[offset:offset + length])))
    return samples


def main():
    model_dir, store, cli = sys.argv[1:4]
    samples = read_store(store, 64)
    model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).cuda()
    model.eval()
    ours = {}
    scored = subprocess.run([cli, "score", "--model", model_dir, store, "--json", "--dtype", "fp32",
                             "--device", "cuda"], check=True, capture_output=True, text=True)
    for line in scored.stdout.splitlines():
        row = json.loads(line)
        ours[row["index"]] = row["loss"]
    worst = 0.0
    with torch.no_grad():
        for i, (ids, mask) in enumerate(samples):
            logits = model(torch.tensor([ids], device="cuda")).logits[0].double()
            # Token t predicts token t + 1 where t + 1 is a target.
            targets = [t for t in range(len(ids) - 1) if mask[t + 1]]
            if not targets:
                continue
            logp = torch.log_softmax(logits, dim=-1)
            theirs = -sum(logp[t, ids[t + 1]].item() for t in targets) / len(targets)
            worst = max(worst, abs(theirs - ours[i]) / abs(theirs))
    print(f"{len(samples)} samples: transformers and longalign losses agree within {worst:.2e} relative")
    sys.exit(0 if worst < 1e-4 else 1)


if __name__ == "__main__":
    main()
