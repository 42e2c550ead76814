// RMSNorm on the GPU, forward and backward (model/rmsnorm.h's math and layout).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace longalign::cuda {

// x, out: [T, C]; weight: [C]; rstd: [T].
void rmsnorm_forward(float* out, float* rstd, const float* x, const float* weight, int64_t T,
                     int64_t C, float eps, cudaStream_t stream);

// dx += the input gradient; dweight += the weight gradient, summed over tokens in a fixed order.
// `scratch` holds column_sum_scratch(T, C) floats.
void rmsnorm_backward(float* dx, float* dweight, const float* dout, const float* x,
                      const float* weight, const float* rstd, int64_t T, int64_t C, float* scratch,
                      cudaStream_t stream);

}  // namespace longalign::cuda
