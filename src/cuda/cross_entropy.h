// The kernels of the fused LM head and cross-entropy (lm_head_loss.h runs them over chunks of
// tokens): gathering the rows that carry a loss, the softmax loss and its gradient per row, and
// adding the chunk's input gradient back into the rows it came from.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace longalign::cuda {

// dst[r, :] = x[rows[r], :] for r in [0, n); x, dst rows C long.
void gather_rows(float* dst, const float* x, const int32_t* rows, int64_t n, int64_t C,
                 cudaStream_t stream);

// dst[rows[r], :] += src[r, :] (rows distinct).
void scatter_add_rows(float* dst, const float* src, const int32_t* rows, int64_t n, int64_t C,
                      cudaStream_t stream);

// Per row r of logits [n, V] (token t = rows[r], target y, weight w):
//   loss[t] = log sum_v exp(logit_v) - logit_y;  correct[t] = logit_y >= max_v logit_v;
//   weighted[t] = w loss[t]; and with `gradients`, logits <- w (softmax - onehot(y)).
void softmax_cross_entropy(float* logits, const int32_t* rows, const int32_t* targets,
                           const float* token_weights, int64_t n, int64_t V, bool gradients,
                           float* loss, float* weighted, uint8_t* correct, cudaStream_t stream);

}  // namespace longalign::cuda
