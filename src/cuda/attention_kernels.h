// The launchers of the two attention implementations (attention.h dispatches between them).
#pragma once

#include <cuda_runtime_api.h>

#include "cuda/attention.h"

namespace longalign::cuda {

// fp32 on CUDA cores; any head size up to kMaxHeadDimF32.
inline constexpr int64_t kMaxHeadDimF32 = 256;
void attention_forward_f32(float* out, float* lse, const float* qkv, const DeviceAttention& a,
                           cudaStream_t stream);
void attention_backward_f32(float* dqkv, const float* dout, const float* qkv, const float* lse,
                            const float* delta, const DeviceAttention& a, cudaStream_t stream);

// bf16 on tensor cores; head sizes for which tensor_core_attention_supports() is true.
bool tensor_core_attention_supports(int64_t D);
void attention_forward_tc(float* out, float* lse, const float* qkv, const DeviceAttention& a,
                          cudaStream_t stream);
void attention_backward_tc(float* dqkv, const float* dout, const float* qkv, const float* lse,
                           const float* delta, const DeviceAttention& a, cudaStream_t stream);

// delta[h, t] = sum_d dout[t, h D + d] out[t, h D + d], the row term of the softmax backward.
void attention_delta(float* delta, const float* dout, const float* out, const DeviceAttention& a,
                     cudaStream_t stream);

}  // namespace longalign::cuda
