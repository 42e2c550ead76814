// One request's keys and values, every layer, for the tokens seen so far. Keys are stored after
// RoPE, so a decode step only rotates its own new key.
//
// Layout per layer: K [G, capacity, D] and V [G, capacity, D], so the keys one kv head reads in a
// decode step are contiguous. Storage is bf16 (half the memory; values rounded once on the way
// in) or fp32.
#pragma once

#include <cstdint>
#include <vector>

#include "model/bf16.h"
#include "model/config.h"

namespace longalign::infer {

enum class KvDtype { bf16, fp32 };

class KvCache {
 public:
  KvCache(const model::ModelConfig& config, KvDtype dtype, int64_t capacity);

  KvDtype dtype() const { return dtype_; }
  int64_t length() const { return length_; }  // tokens cached
  int64_t capacity() const { return capacity_; }
  int64_t bytes() const;

  // Stores token t's keys and values of `layer`: k and v are [G, D] rows (inside a fused qkv row).
  void store(int64_t layer, int64_t t, const float* k, const float* v);
  // The tokens 0..length() - 1 now hold keys and values of every layer.
  void set_length(int64_t length);

  // Keys or values of `layer`, kv head g: [capacity, D] from token 0; exactly one of the two
  // pointers of a pair is set, by dtype().
  const float* keys_f32(int64_t layer, int64_t g) const { return f32_at(layer, 0, g); }
  const float* values_f32(int64_t layer, int64_t g) const { return f32_at(layer, 1, g); }
  const model::bf16* keys_bf16(int64_t layer, int64_t g) const { return b16_at(layer, 0, g); }
  const model::bf16* values_bf16(int64_t layer, int64_t g) const { return b16_at(layer, 1, g); }

 private:
  int64_t offset(int64_t layer, int64_t kv, int64_t g) const;
  const float* f32_at(int64_t layer, int64_t kv, int64_t g) const;
  const model::bf16* b16_at(int64_t layer, int64_t kv, int64_t g) const;

  KvDtype dtype_;
  int64_t layers_, G_, D_, capacity_;
  int64_t length_ = 0;
  std::vector<float> f32_;
  std::vector<model::bf16> b16_;
};

}  // namespace longalign::infer
