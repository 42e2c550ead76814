// Causal self-attention over packed sequences (varlen): token t of sequence s attends to tokens
// cu_seqlens[s] .. t only. Grouped-query attention: query head h reads key/value head
// h / (H / G) in place. Computed in tiles with an online softmax (FlashAttention-2's scheme): the
// T x T matrix is never formed, and the backward recomputes each tile's probabilities from the
// logsumexp saved by the forward.
#pragma once

#include <cstdint>

#include "model/precision.h"

namespace longalign::model {

struct AttentionShape {
  const int32_t* cu_seqlens = nullptr;  // [num_seqs + 1], cu_seqlens[0] = 0, last = T
  int64_t num_seqs = 0;
  int64_t T = 0;    // tokens in the pack
  int64_t H = 0;    // query heads
  int64_t G = 0;    // key/value heads, H % G == 0
  int64_t D = 0;    // head dimension
  float scale = 0;  // softmax scale, normally 1 / sqrt(D)
};

// qkv: [T, (H + 2G) * D], each token row holding q (H heads), then k (G heads), then v (G heads):
// the output of the fused projection. out: [T, H * D]. lse: [H, T], the logsumexp of each query's
// scaled scores, kept for the backward.
void attention_forward(Precision precision, float* out, float* lse, const float* qkv,
                       const AttentionShape& shape);

// dqkv [T, (H + 2G) * D] is overwritten with dL/dqkv, from dout [T, H * D] and the forward's qkv,
// out and lse.
void attention_backward(Precision precision, float* dqkv, const float* dout, const float* qkv,
                        const float* out, const float* lse, const AttentionShape& shape);

// Which tile kernels attention runs in `precision` on this CPU, for reports: "avx512_bf16
// (vdpbf16ps)" or "generic (AVX2 FMA)".
const char* attention_kernel_in_use(Precision precision);

}  // namespace longalign::model
