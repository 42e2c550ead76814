// One request's keys and values, every layer, for the tokens seen so far. Keys are stored after
// RoPE, so a decode step only rotates its own new key.
//
// Layout per layer and kv head, in bf16 (half the memory; values rounded once on the way in) or
// fp32:
//   keys    in tiles of kKeyTile tokens, each tile [D][kKeyTile]: dimension-major, so one vector
//           load holds one dimension of 16 consecutive keys and the scores of 16 keys are 16
//           lanes of fused multiply-adds, with no sum across lanes (cache_attention_kernel.h);
//   values  [capacity, D] token-major, as the output accumulates p_t v_t row by row.
#pragma once

#include <cstdint>
#include <vector>

#include "model/bf16.h"
#include "model/config.h"

namespace longalign::infer {

enum class KvDtype { bf16, fp32 };

inline constexpr int64_t kKeyTile = 16;

class KvCache {
 public:
  KvCache(const model::ModelConfig& config, KvDtype dtype, int64_t capacity);

  KvDtype dtype() const { return dtype_; }
  int64_t length() const { return length_; }  // tokens cached
  int64_t capacity() const { return capacity_; }
  int64_t bytes() const;
  int64_t head_dim() const { return D_; }

  // Stores token t's keys and values of `layer`: k and v are [G, D] rows (inside a fused qkv row).
  void store(int64_t layer, int64_t t, const float* k, const float* v);
  // The tokens 0..length() - 1 now hold keys and values of every layer.
  void set_length(int64_t length);
  // Takes the first n tokens' keys and values of every layer from `source` (same model and
  // dtype) and sets the length to n: a prompt's shared prefix, not computed again.
  void copy_prefix(const KvCache& source, int64_t n);

  // The key tiles of `layer`, kv head g, from token 0: tile j holds tokens [16 j, 16 j + 16) as
  // [D][16]. Values: [capacity, D] from token 0. Exactly one pointer of each pair is set, by
  // dtype().
  const float* key_tiles_f32(int64_t layer, int64_t g) const { return f32_at(layer, 0, g); }
  const model::bf16* key_tiles_bf16(int64_t layer, int64_t g) const { return b16_at(layer, 0, g); }
  const float* values_f32(int64_t layer, int64_t g) const { return f32_at(layer, 1, g); }
  const model::bf16* values_bf16(int64_t layer, int64_t g) const { return b16_at(layer, 1, g); }

 private:
  int64_t offset(int64_t layer, int64_t kv, int64_t g) const;
  const float* f32_at(int64_t layer, int64_t kv, int64_t g) const;
  const model::bf16* b16_at(int64_t layer, int64_t kv, int64_t g) const;

  KvDtype dtype_;
  int64_t layers_, G_, D_, capacity_;
  int64_t rows_;  // capacity rounded up to whole key tiles
  int64_t length_ = 0;
  std::vector<float> f32_;
  std::vector<model::bf16> b16_;
};

}  // namespace longalign::infer
