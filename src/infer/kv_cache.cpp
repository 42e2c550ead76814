#include "infer/kv_cache.h"

#include <string>

#include "core/error.h"

namespace longalign::infer {

KvCache::KvCache(const model::ModelConfig& config, KvDtype dtype, int64_t capacity)
    : dtype_(dtype),
      layers_(config.layers),
      G_(config.kv_heads),
      D_(config.head_dim),
      capacity_(capacity) {
  if (capacity < 1) throw Error("KV cache: capacity must be positive");
  const auto n = static_cast<size_t>(layers_ * 2 * G_ * capacity_ * D_);
  if (dtype == KvDtype::bf16) {
    b16_.resize(n);
  } else {
    f32_.resize(n);
  }
}

int64_t KvCache::bytes() const {
  return static_cast<int64_t>(f32_.size() * sizeof(float) + b16_.size() * sizeof(model::bf16));
}

// Elements before (layer, kv, g): layers of [2][G][capacity][D].
int64_t KvCache::offset(int64_t layer, int64_t kv, int64_t g) const {
  return ((layer * 2 + kv) * G_ + g) * capacity_ * D_;
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
  for (int64_t kv = 0; kv < 2; ++kv) {
    const float* src = kv == 0 ? k : v;
    for (int64_t g = 0; g < G_; ++g) {
      const int64_t at = offset(layer, kv, g) + t * D_;
      if (dtype_ == KvDtype::bf16) {
        for (int64_t d = 0; d < D_; ++d) b16_[at + d] = model::to_bf16(src[g * D_ + d]);
      } else {
        for (int64_t d = 0; d < D_; ++d) f32_[at + d] = src[g * D_ + d];
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

}  // namespace longalign::infer
