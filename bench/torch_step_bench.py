"""The PyTorch side of bench/run_cuda_bench.sh: the same Llama-shaped model and pack as `longalign
bench step`, trained the fastest way plain PyTorch offers on one GPU, timed the same way.

- fp32 master weights, bf16 autocast for the products, fused AdamW (betas 0.9, 0.95) and
  gradient clipping at 1.0: the same state and precision as our engine;
- attention: flex_attention with a causal document mask (packed sequences never see each
  other), compiled, with grouped-query attention where the config has it;
- the whole decoder layer compiled (torch.compile fuses RMSNorm, RoPE and SwiGLU), and
  checkpointed per layer, as our engine recomputes above 16k tokens;
- the LM head and cross-entropy over chunks of 8192 tokens, each checkpointed, so the T x V
  logits are never all held.

    python3 bench/torch_step_bench.py --config CONFIG --seqlens 65536 [--steps 3] [--warmup 1]

Prints one JSON object: tokens, step_seconds (the fastest timed step), tokens_per_second,
peak_memory_bytes (torch.cuda.max_memory_allocated) and the torch version.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F
from torch.nn.attention.flex_attention import create_block_mask, flex_attention
from torch.utils.checkpoint import checkpoint

compiled_flex = torch.compile(flex_attention)


def rope_tables(positions, head_dim, theta):
    inv_freq = 1.0 / theta ** (torch.arange(0, head_dim, 2, device=positions.device).float() / head_dim)
    angles = positions.float()[:, None] * inv_freq[None, :]
    return torch.cat([angles, angles], -1).cos(), torch.cat([angles, angles], -1).sin()


def rotate(x, cos, sin):  # x: [1, heads, T, D]; the rotate_half layout of Llama
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
    return x * cos + rotated * sin


class Layer(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        h, i = c["hidden_size"], c["intermediate_size"]
        self.heads, self.kv_heads = c["num_attention_heads"], c["num_key_value_heads"]
        self.head_dim = h // self.heads
        self.eps = c["rms_norm_eps"]
        self.attn_norm = torch.nn.Parameter(torch.ones(h))
        self.mlp_norm = torch.nn.Parameter(torch.ones(h))
        self.qkv = torch.nn.Linear(h, (self.heads + 2 * self.kv_heads) * self.head_dim, bias=False)
        self.o = torch.nn.Linear(self.heads * self.head_dim, h, bias=False)
        self.gate_up = torch.nn.Linear(h, 2 * i, bias=False)
        self.down = torch.nn.Linear(i, h, bias=False)

    def forward(self, x, cos, sin, block_mask):
        T = x.shape[0]
        y = F.rms_norm(x, (x.shape[-1],), self.attn_norm, self.eps)
        q, k, v = self.qkv(y).split([self.heads * self.head_dim, self.kv_heads * self.head_dim,
                                     self.kv_heads * self.head_dim], -1)
        q = q.view(T, self.heads, self.head_dim).transpose(0, 1)[None]
        k = k.view(T, self.kv_heads, self.head_dim).transpose(0, 1)[None]
        v = v.view(T, self.kv_heads, self.head_dim).transpose(0, 1)[None]
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        a = compiled_flex(q, k, v, block_mask=block_mask, enable_gqa=self.heads != self.kv_heads)
        x = x + self.o(a[0].transpose(0, 1).reshape(T, -1))
        y = F.rms_norm(x, (x.shape[-1],), self.mlp_norm, self.eps)
        gate, up = self.gate_up(y).chunk(2, -1)
        return x + self.down(F.silu(gate) * up)


def head_loss(x, norm, eps, weight, targets):
    logits = F.linear(F.rms_norm(x, (x.shape[-1],), norm, eps), weight).float()
    return F.cross_entropy(logits, targets, reduction="sum")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--seqlens", required=True)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()
    c = json.load(open(args.config))
    seqlens = [int(n) for n in args.seqlens.split(",")]
    T = sum(seqlens)
    torch.manual_seed(0)
    dev = "cuda"
    embed = torch.nn.Embedding(c["vocab_size"], c["hidden_size"]).to(dev)
    layers = torch.nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"])).to(dev)
    final_norm = torch.nn.Parameter(torch.ones(c["hidden_size"], device=dev))
    lm_head = torch.nn.Parameter(torch.randn(c["vocab_size"], c["hidden_size"], device=dev) * 0.02)
    params = list(embed.parameters()) + list(layers.parameters()) + [final_norm, lm_head]
    optimizer = torch.optim.AdamW(params, lr=1e-5, betas=(0.9, 0.95), fused=True)
    compiled_layer = torch.compile(Layer.forward)

    tokens = torch.randint(0, c["vocab_size"], (T,), device=dev)
    targets = torch.roll(tokens, -1)
    document = torch.cat([torch.full((n,), i, device=dev) for i, n in enumerate(seqlens)])
    positions = torch.cat([torch.arange(n, device=dev) for n in seqlens])
    for start in torch.tensor(seqlens).cumsum(0).tolist():
        targets[start - 1] = -100  # a sequence's last token predicts nothing

    def causal_document(b, h, q, kv):
        return (document[q] == document[kv]) & (kv <= q)

    block_mask = create_block_mask(causal_document, None, None, T, T, device=dev)
    cos, sin = rope_tables(positions, c["hidden_size"] // c["num_attention_heads"], c["rope_theta"])
    eps = c["rms_norm_eps"]
    chunk = 8192

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            x = embed(tokens)
            for layer in layers:
                x = checkpoint(compiled_layer, layer, x, cos, sin, block_mask, use_reentrant=False)
            loss = 0
            for s in range(0, T, chunk):
                loss = loss + checkpoint(head_loss, x[s:s + chunk], final_norm, eps, lm_head,
                                         targets[s:s + chunk], use_reentrant=False)
        n = (targets != -100).sum()
        (loss / n).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        return (loss / n).item()

    best = float("inf")
    for i in range(args.warmup + args.steps):
        torch.cuda.synchronize()
        start = time.perf_counter()
        step()
        torch.cuda.synchronize()
        if i >= args.warmup:
            best = min(best, time.perf_counter() - start)
    print(json.dumps({"tokens": T, "step_seconds": best, "tokens_per_second": T / best,
                      "peak_memory_bytes": torch.cuda.max_memory_allocated(),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
