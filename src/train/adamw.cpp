#include "train/adamw.h"

#include <algorithm>
#include <cmath>

#include "model/parameters.h"

namespace longalign::train {

AdamW::AdamW(const model::ModelConfig& config, int64_t size, const AdamWOptions& options)
    : options_(options), m_(size, 0.0f), v_(size, 0.0f) {
  for (const model::HfTensor& t : model::hf_tensors(config)) {
    segments_.push_back({t.offset, t.numel(), !t.is_norm && !t.is_bias});
  }
}

void AdamW::step(float* params, const float* grads, double lr) {
  ++steps_;
  const double b1 = options_.beta1, b2 = options_.beta2;
  const float step_size = static_cast<float>(lr / (1.0 - std::pow(b1, double(steps_))));
  const float v_scale = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(b2, double(steps_))));
  const float eps = static_cast<float>(options_.eps);
  const float fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2);
  for (const Segment& s : segments_) {
    const float decay = s.decay ? static_cast<float>(1.0 - lr * options_.weight_decay) : 1.0f;
    float* p = params + s.offset;
    const float* g = grads + s.offset;
    float* m = m_.data() + s.offset;
    float* v = v_.data() + s.offset;
#pragma omp parallel for simd
    for (int64_t i = 0; i < s.size; ++i) {
      m[i] = fb1 * m[i] + (1.0f - fb1) * g[i];
      v[i] = fb2 * v[i] + (1.0f - fb2) * g[i] * g[i];
      p[i] = p[i] * decay - step_size * m[i] / (std::sqrt(v[i]) * v_scale + eps);
    }
  }
}

double grad_norm(const float* g, int64_t n) {
  constexpr int64_t kChunk = 1 << 16;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(chunks, 0.0);
#pragma omp parallel for
  for (int64_t c = 0; c < chunks; ++c) {
    double sum = 0;
    const int64_t end = std::min(n, (c + 1) * kChunk);
    for (int64_t i = c * kChunk; i < end; ++i) sum += double(g[i]) * g[i];
    partial[c] = sum;
  }
  double total = 0;
  for (double p : partial) total += p;
  return std::sqrt(total);
}

double clip_grad_norm(float* g, int64_t n, double max_norm) {
  const double norm = grad_norm(g, n);
  // torch's clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
  if (max_norm > 0 && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / (norm + 1e-6));
#pragma omp parallel for simd
    for (int64_t i = 0; i < n; ++i) g[i] *= scale;
  }
  return norm;
}

}  // namespace longalign::train
