// The LM head and cross-entropy on the GPU, fused over chunks of the tokens that carry a loss so
// that the T x V logits are never held at once (model/lm_head_loss.h's contract).
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "cuda/device_memory.h"
#include "cuda/gemm.h"

namespace longalign::cuda {

struct DeviceLmHeadInput {
  const float* x = nullptr;                 // [T, C], the final norm's output
  const float* weight = nullptr;            // [V, C], fp32 master
  const __nv_bfloat16* weight16 = nullptr;  // [V, C], the bf16 working copy (bf16 mode)
  const int32_t* rows = nullptr;            // [n_rows], the tokens with a target
  const int32_t* targets = nullptr;         // [T]
  const float* token_weights = nullptr;     // [T]
  int64_t n_rows = 0, T = 0, C = 0, V = 0;
};

struct DeviceLmHeadOutput {
  float* token_loss = nullptr;  // [T]: written at the rows
  float* weighted = nullptr;    // [T]: token weight times token loss, at the rows
  uint8_t* correct = nullptr;   // [T]: target is the most likely token, at the rows
  float* dx = nullptr;          // [T, C] or null: accumulated (+=)
  float* dweight = nullptr;     // [V, C] or null: accumulated (+=)
};

// Chunk buffers, kept between calls.
struct LmHeadScratch {
  DeviceBuffer<float> x, logits, dx;
};

void lm_head_loss(Gemm& gemm, model::Precision precision, const DeviceLmHeadInput& in,
                  const DeviceLmHeadOutput& out, LmHeadScratch& scratch, cudaStream_t stream);

}  // namespace longalign::cuda
