#include "infer/kv_cache.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace longalign::infer {

KvCache::KvCache(const model::ModelConfig& config, KvDtype dtype, int64_t capacity)
    : dtype_(dtype),
      layers_(config.layers),
      G_(config.kv_heads),
      D_(config.head_dim),
      capacity_(capacity),
      rows_((capacity + kKeyTile - 1) / kKeyTile * kKeyTile) {
  if (capacity < 1) throw Error("KV cache: capacity must be positive");
  const auto n = static_cast<size_t>(layers_ * 2 * G_ * rows_ * D_);
  if (dtype == KvDtype::bf16) {
    b16_.resize(n);
  } else {
    f32_.resize(n);
  }
}

int64_t KvCache::bytes() const {
  return static_cast<int64_t>(f32_.size() * sizeof(float) + b16_.size() * sizeof(model::bf16));
}

// Elements before (layer, kv, g): layers of [2][G][rows][D] (keys tiled, values by token).
int64_t KvCache::offset(int64_t layer, int64_t kv, int64_t g) const {
  return ((layer * 2 + kv) * G_ + g) * rows_ * D_;
}

const float* KvCache::f32_at(int64_t layer, int64_t kv, int64_t g) const {
  return f32_.empty() ? nullptr : f32_.data() + offset(layer, kv, g);
}

const model::bf16* KvCache::b16_at(int64_t layer, int64_t kv, int64_t g) const {
  return b16_.empty() ? nullptr : b16_.data() + offset(layer, kv, g);
}

void KvCache::store(int64_t layer, int64_t t, const float* k, const float* v) {
  if (t < 0 || t >= capacity_) {
    throw Error("KV cache: position " + std::to_string(t) + " is past its capacity " +
                std::to_string(capacity_));
  }
  // Key element d of token t: tile t / 16, row d, lane t % 16.
  const int64_t key_base = t / kKeyTile * kKeyTile * D_ + t % kKeyTile;
  for (int64_t g = 0; g < G_; ++g) {
    const int64_t keys = offset(layer, 0, g) + key_base, values = offset(layer, 1, g) + t * D_;
    for (int64_t d = 0; d < D_; ++d) {
      if (dtype_ == KvDtype::bf16) {
        b16_[keys + d * kKeyTile] = model::to_bf16(k[g * D_ + d]);
        b16_[values + d] = model::to_bf16(v[g * D_ + d]);
      } else {
        f32_[keys + d * kKeyTile] = k[g * D_ + d];
        f32_[values + d] = v[g * D_ + d];
      }
    }
  }
}

void KvCache::set_length(int64_t length) {
  if (length < 0 || length > capacity_) {
    throw Error("KV cache: length " + std::to_string(length) + " outside [0, " +
                std::to_string(capacity_) + "]");
  }
  length_ = length;
}

void KvCache::copy_prefix(const KvCache& source, int64_t n) {
  if (source.dtype_ != dtype_ || source.layers_ != layers_ || source.G_ != G_ || source.D_ != D_) {
    throw Error("KV cache: a prefix can only come from a cache of the same model and dtype");
  }
  if (n < 0 || n > source.length_ || n > capacity_) {
    throw Error("KV cache: cannot take " + std::to_string(n) + " tokens from a cache of " +
                std::to_string(source.length_) + " into one of capacity " +
                std::to_string(capacity_));
  }
  // Whole key tiles (a partial last tile's unused lanes are never read) and n value rows.
  const int64_t key_rows = (n + kKeyTile - 1) / kKeyTile * kKeyTile;
  for (int64_t layer = 0; layer < layers_; ++layer) {
    for (int64_t g = 0; g < G_; ++g) {
      for (int64_t kv = 0; kv < 2; ++kv) {
        const int64_t count = (kv == 0 ? key_rows : n) * D_;
        const int64_t from = source.offset(layer, kv, g), to = offset(layer, kv, g);
        if (dtype_ == KvDtype::bf16) {
          std::copy_n(source.b16_.begin() + from, count, b16_.begin() + to);
        } else {
          std::copy_n(source.f32_.begin() + from, count, f32_.begin() + to);
        }
      }
    }
  }
  length_ = n;
}

}  // namespace longalign::infer
