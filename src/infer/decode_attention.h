// Attention for decode steps: one new query row per request against that request's KV cache.
// Per request i, query head h, kv head g = h / (H / G), and its n cached tokens:
//   s_t = scale * q_h . k_t,  p = softmax(s),  out_h = sum_t p_t v_t
// The new token's own key and value must already be in the cache, so it attends to itself.
#pragma once

#include <cstdint>
#include <span>

#include "infer/kv_cache.h"
#include "model/config.h"

namespace longalign::infer {

// qkv: [M, (H + 2G) D], the rotated projections of the M new tokens (only q is read);
// out: [M, H D]; lengths[i]: tokens of caches[i] to attend to (the new one included).
void decode_attention(float* out, const float* qkv, std::span<KvCache* const> caches,
                      std::span<const int64_t> lengths, int64_t layer,
                      const model::ModelConfig& config);

}  // namespace longalign::infer
