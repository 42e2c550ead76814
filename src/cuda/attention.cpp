#include "cuda/attention.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "cuda/attention_kernels.h"

namespace longalign::cuda {
namespace {

bool use_tensor_cores(model::Precision precision, int64_t D) {
  return precision == model::Precision::bf16 && tensor_core_attention_supports(D);
}

void check_shape(const DeviceAttention& a) {
  if (a.G <= 0 || a.H % a.G != 0) {
    throw Error("attention: " + std::to_string(a.H) + " query heads are not a multiple of " +
                std::to_string(a.G) + " kv heads");
  }
  if (a.D > kMaxHeadDimF32) {
    throw Error("attention: head_dim " + std::to_string(a.D) + " is above the GPU engine's " +
                std::to_string(kMaxHeadDimF32));
  }
}

}  // namespace

std::vector<AttentionTile> attention_tiles(const std::vector<int32_t>& cu_seqlens) {
  std::vector<AttentionTile> tiles;
  for (size_t s = 0; s + 1 < cu_seqlens.size(); ++s) {
    const int32_t begin = cu_seqlens[s], end = cu_seqlens[s + 1];
    for (int32_t t = begin; t < end; t += kAttentionTile) {
      tiles.push_back({t, std::min(end, t + kAttentionTile), begin, end});
    }
  }
  return tiles;
}

void attention_forward(model::Precision precision, float* out, float* lse, const float* qkv,
                       const DeviceAttention& a, cudaStream_t stream) {
  check_shape(a);
  if (a.num_tiles == 0) return;
  if (use_tensor_cores(precision, a.D)) {
    attention_forward_tc(out, lse, qkv, a, stream);
  } else {
    attention_forward_f32(out, lse, qkv, a, stream);
  }
}

void attention_backward(model::Precision precision, float* dqkv, const float* dout,
                        const float* qkv, const float* out, const float* lse, float* delta,
                        const DeviceAttention& a, cudaStream_t stream) {
  check_shape(a);
  if (a.num_tiles == 0) return;
  attention_delta(delta, dout, out, a, stream);
  if (use_tensor_cores(precision, a.D)) {
    attention_backward_tc(dqkv, dout, qkv, lse, delta, a, stream);
  } else {
    attention_backward_f32(dqkv, dout, qkv, lse, delta, a, stream);
  }
}

const char* attention_implementation(model::Precision precision, int64_t D) {
  return use_tensor_cores(precision, D) ? "tiled, tensor cores (WMMA bf16)"
                                        : "tiled, CUDA cores (fp32)";
}

}  // namespace longalign::cuda
