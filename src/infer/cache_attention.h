// Attention of new token rows against a KV cache: the decode step (one row per request, each
// with its own cache) and the prefill of a prompt whose prefix is already cached (many rows of
// one request). Per row, query head h, kv head g = h / (H / G), and the row's n cached tokens:
//   s_t = scale * q_h . k_t,  p = softmax(s),  out_h = sum_t p_t v_t
// A row's own key and value must already be in the cache, so it attends to itself.
//
// The keys are split into chunks that run in parallel (as well as the rows and kv heads), each
// chunk giving a partial softmax (its max, its sum and its unnormalised output) that are merged
// at the end: one request at 100k tokens keeps every core streaming the cache.
#pragma once

#include <cstdint>
#include <span>

#include "infer/kv_cache.h"
#include "model/config.h"

namespace longalign::infer {

struct AttentionRow {
  const float* q = nullptr;  // [H, D], the row's rotated query heads
  float* out = nullptr;      // [H, D]
  const KvCache* cache = nullptr;
  int64_t length = 0;  // cached tokens the row attends to, its own included
};

// Rows that share a cache should be consecutive: they then share each pass over its keys.
void cache_attention(std::span<const AttentionRow> rows, int64_t layer,
                     const model::ModelConfig& config);

// The kernels that run on this CPU: "avx512" or "avx2".
const char* cache_attention_kernel();

}  // namespace longalign::infer
