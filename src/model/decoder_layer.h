// One decoder layer, forward and backward (pre-norm, as in Llama and ChatGLM3):
//   mid = x + Wo · attention(rope(Wqkv · rmsnorm(x) + b))
//   y   = mid + Wdown · swiglu(Wgate_up · rmsnorm(mid))
#pragma once

#include <cstdint>

#include "model/attention.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/precision.h"
#include "model/rope.h"

namespace longalign::model {

// Everything a layer's forward and backward share for one batch.
struct LayerContext {
  const ModelConfig* config = nullptr;
  Precision precision = Precision::fp32;
  const RopeAngles* rope = nullptr;  // of the batch's positions
  AttentionShape attention;          // carries T and the sequence boundaries
};

// The activations a layer keeps for its backward, T tokens each.
struct LayerActivations {
  float* ln1 = nullptr;      // [T, C]   rmsnorm(x)
  float* rstd1 = nullptr;    // [T]
  float* qkv = nullptr;      // [T, (H + 2G) D], q and k rotated
  float* attn = nullptr;     // [T, H D]
  float* lse = nullptr;      // [H, T]
  float* mid = nullptr;      // [T, C]   the residual stream after attention
  float* ln2 = nullptr;      // [T, C]   rmsnorm(mid)
  float* rstd2 = nullptr;    // [T]
  float* gate_up = nullptr;  // [T, 2I]
  float* act = nullptr;      // [T, I]   swiglu(gate_up)

  // Floats needed for T tokens, and the pointers laid out from `base`.
  static int64_t floats(const ModelConfig& config, int64_t T);
  static LayerActivations at(float* base, const ModelConfig& config, int64_t T);
};

// Gradient scratch for one layer's backward, reused by every layer.
struct LayerGradScratch {
  float* dact = nullptr;      // [T, I]
  float* dgate_up = nullptr;  // [T, 2I]
  float* dln = nullptr;       // [T, C]
  float* dattn = nullptr;     // [T, H D]
  float* dqkv = nullptr;      // [T, (H + 2G) D]

  static int64_t floats(const ModelConfig& config, int64_t T);
  static LayerGradScratch at(float* base, const ModelConfig& config, int64_t T);
};

// x: [T, C] in; y: [T, C] out; `acts` filled for the backward.
void layer_forward(const LayerContext& ctx, const LayerParams& w, const float* x, float* y,
                   LayerActivations& acts);

// dresid: [T, C], dL/dy on entry and dL/dx on return (the residual stream's gradient flows through
// in place). Weight gradients are accumulated into `dw`.
void layer_backward(const LayerContext& ctx, const LayerParams& w, const LayerParams& dw,
                    const float* x, const LayerActivations& acts, float* dresid,
                    const LayerGradScratch& scratch);

}  // namespace longalign::model
