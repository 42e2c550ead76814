// model::Parameters' layout over a flat device array: the same offsets, so a whole copy between
// host and device is one transfer, and the named pointers (model::LayerParams) point into device
// memory.
#pragma once

#include <cuda_bf16.h>

#include <cstdint>
#include <vector>

#include "model/parameters.h"

namespace longalign::cuda {

struct DeviceParameters {
  float* data = nullptr;
  int64_t size = 0;
  float* embed = nullptr;
  std::vector<model::LayerParams> layers;
  float* final_norm = nullptr;
  float* lm_head = nullptr;

  // The pointers of `layout` (a host model::Parameters) moved to `base`.
  static DeviceParameters view(float* base, const model::Parameters& layout);
};

// The fp32 master weights with their bf16 working copy: the copy of a weight is at the same offset.
struct DeviceWeights {
  DeviceParameters f32;
  __nv_bfloat16* b16 = nullptr;

  const __nv_bfloat16* bf16_of(const float* weight) const { return b16 + (weight - f32.data); }
};

}  // namespace longalign::cuda
