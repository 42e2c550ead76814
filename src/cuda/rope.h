// Rotary position embedding on the GPU, with the frequencies model::make_rope_table computes (so
// every rope_scaling variant is the CPU engine's).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace longalign::cuda {

struct DeviceRope {
  const float* inv_freq = nullptr;  // [rotary_dim / 2], on the device
  int64_t rotary_dim = 0;
  bool interleaved = false;
  float attention_scale = 1.0f;
};

// x: [T, heads, head_dim], rows `ld` apart; rotated in place by position * inv_freq, or by the
// opposite angle for the backward (sign -1).
void rope_rotate(float* x, int64_t ld, const int32_t* positions, int64_t T, int64_t heads,
                 int64_t head_dim, const DeviceRope& rope, float sign, cudaStream_t stream);

}  // namespace longalign::cuda
