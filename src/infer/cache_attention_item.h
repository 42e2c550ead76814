// One piece of cache attention's work, shared by its passes (cache_attention.cpp plans the
// pieces, merges their partial softmaxes, and runs the passes of cache_attention_kernel.h
// built for this CPU).
#pragma once

#include <cstdint>

#include "infer/kv_cache.h"

namespace longalign::infer {

// The queries of some rows (each row's H / G query heads of kv head g) against keys
// [key_begin, key_end) of one cache; key_begin is a multiple of kKeyTile, key_end too or the
// cache's length.
struct CacheItem {
  const KvCache* cache = nullptr;
  int64_t layer = 0, g = 0, head_dim = 0;
  int64_t key_begin = 0, key_end = 0;
  int64_t queries = 0;
  const float* const* q = nullptr;  // [queries] query vectors of D
  const int64_t* length = nullptr;  // [queries] keys each query attends to (from token 0)
  float scale = 0;
  float* scores = nullptr;  // [queries][key_end - key_begin]: scores, then probabilities
  float* out = nullptr;     // [queries][D]: the unnormalised output of this item's keys
};

// The passes, per instruction set. The score pass fills `scores` for every key of the item
// (masking is the softmax's); the value pass reads the probabilities back from it.
void score_pass_avx2(const CacheItem& item);
void value_pass_avx2(const CacheItem& item);
void score_pass_avx512(const CacheItem& item);
void value_pass_avx512(const CacheItem& item);
// Any head size (the others need D a multiple of their vector width).
void score_pass_scalar(const CacheItem& item);
void value_pass_scalar(const CacheItem& item);

}  // namespace longalign::infer
