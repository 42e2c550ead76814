// One decoder layer on the GPU, forward and backward, the CPU engine's math step for step
// (model/decoder_layer.h):
//   mid = x + Wo · attention(rope(Wqkv · rmsnorm(x) + b))
//   y   = mid + Wdown · swiglu(Wgate_up · rmsnorm(mid))
// Activations are fp32 in device memory, laid out as model::LayerActivations.
#pragma once

#include <cuda_runtime_api.h>

#include "cuda/attention.h"
#include "cuda/device_parameters.h"
#include "cuda/gemm.h"
#include "cuda/rope.h"
#include "model/config.h"
#include "model/decoder_layer.h"

namespace longalign::cuda {

struct LayerContext {
  const model::ModelConfig* config = nullptr;
  model::Precision precision = model::Precision::fp32;
  Gemm* gemm = nullptr;
  cudaStream_t stream = nullptr;
  const DeviceWeights* weights = nullptr;  // to find the bf16 copy of a weight
  DeviceRope rope;
  const int32_t* positions = nullptr;  // [T], device
  DeviceAttention attention;
  float* column_scratch = nullptr;  // column_sum_scratch(T, max(C, qkv_dim)) floats
  float* delta = nullptr;           // [H, T], attention's backward
};

void layer_forward(const LayerContext& ctx, const model::LayerParams& w, const float* x, float* y,
                   model::LayerActivations& acts);

// dresid: dL/dy on entry, dL/dx on return; weight gradients accumulate into dw.
void layer_backward(const LayerContext& ctx, const model::LayerParams& w,
                    const model::LayerParams& dw, const float* x,
                    const model::LayerActivations& acts, float* dresid,
                    const model::LayerGradScratch& scratch);

}  // namespace longalign::cuda
