// Biases of the fused qkv projection (Qwen2, ChatGLM3) on the GPU.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace longalign::cuda {

// y[t, :] += b for every row t of y [T, n]. The backward, db += sum_t dy[t, :], is
// add_column_sums (column_sum.h).
void add_bias(float* y, const float* b, int64_t T, int64_t n, cudaStream_t stream);

}  // namespace longalign::cuda
