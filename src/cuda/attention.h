// Varlen causal GQA attention on the GPU (model/attention.h's contract): token t of a sequence
// attends to the sequence's tokens up to t. Every sequence is cut into tiles of 64 tokens from its
// first token, so no tile mixes sequences (as on the CPU). The forward keeps each query's
// logsumexp; the backward recomputes the probabilities from it, in two kernels that each own
// their output rows (dQ per query tile; dK and dV per key tile, over the query heads of its
// group), so no gradient is summed with atomics and every run gives the same bits.
//
// Two implementations: tensor cores (WMMA, bf16 operands, fp32 accumulation) for bf16 products
// with head_dim 16, 32, 64 or 128; and CUDA cores in fp32 for fp32 products and other head sizes.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "model/precision.h"

namespace longalign::cuda {

inline constexpr int kAttentionTile = 64;

// A tile of one sequence: tokens [begin, end) of the sequence [seq_begin, seq_end).
struct AttentionTile {
  int32_t begin, end, seq_begin, seq_end;
};

// The tiles of a pack, from its cu_seqlens [num_seqs + 1].
std::vector<AttentionTile> attention_tiles(const std::vector<int32_t>& cu_seqlens);

struct DeviceAttention {
  const AttentionTile* tiles = nullptr;  // on the device
  int64_t num_tiles = 0;
  int64_t T = 0, H = 0, G = 0, D = 0;
  float scale = 0;  // softmax scale, normally 1 / sqrt(D)
};

// qkv: [T, (H + 2G) D] (q heads, k heads, v heads per token row); out: [T, H D]; lse: [H, T], in
// log2 units (for the backward only).
void attention_forward(model::Precision precision, float* out, float* lse, const float* qkv,
                       const DeviceAttention& a, cudaStream_t stream);

// dqkv [T, (H + 2G) D] is overwritten with dL/dqkv. `delta` is scratch of H T floats.
void attention_backward(model::Precision precision, float* dqkv, const float* dout,
                        const float* qkv, const float* out, const float* lse, float* delta,
                        const DeviceAttention& a, cudaStream_t stream);

// Which implementation runs for this precision and head size, for reports.
const char* attention_implementation(model::Precision precision, int64_t D);

}  // namespace longalign::cuda
