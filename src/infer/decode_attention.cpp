// Each (request, kv head) pair is one task: the H / G query heads that share a kv head read each
// cached key and value row once (converted from bf16 once), which is what makes GQA cheap here.
// Scores are held in full, [H / G, n] floats per task: O(n), and a single pass for the softmax.
#include "infer/decode_attention.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "model/simd_exp.h"

namespace longalign::infer {
namespace {

// One cached row as fp32: the row itself, or `buf` holding its bf16 values widened.
const float* row_f32(const float* f32, const model::bf16* b16, int64_t t, int64_t D, float* buf) {
  if (f32) return f32 + t * D;
  const model::bf16* src = b16 + t * D;
  for (int64_t d = 0; d < D; ++d) {
    const uint32_t bits = static_cast<uint32_t>(src[d]) << 16;
    std::memcpy(&buf[d], &bits, sizeof(float));
  }
  return buf;
}

// x[i] = exp(x[i] - shift) for i < n; returns the sum.
float exp_shifted(float* x, int64_t n, float shift) {
  const __m256 s = _mm256_set1_ps(shift);
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = model::exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
    _mm256_storeu_ps(x + i, e);
    acc = _mm256_add_ps(acc, e);
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, acc);
  float sum = 0;
  for (const float v : lanes) sum += v;
  for (; i < n; ++i) sum += (x[i] = std::exp(x[i] - shift));
  return sum;
}

struct Task {
  const float* q;  // [R, D], the R query heads of kv head g, consecutive in the qkv row
  float* out;      // [R, D]
  const KvCache* cache;
  int64_t n, layer, g;
};

// The R query heads of one kv head of one request.
void attend(const Task& task, int64_t R, int64_t D, float scale, std::vector<float>& scratch) {
  const int64_t n = task.n;
  scratch.resize(static_cast<size_t>(R * n + D));
  float* scores = scratch.data();  // [R, n]
  float* row = scores + R * n;     // one widened bf16 row
  const KvCache& c = *task.cache;

  // s[r, t] = scale * q_r . k_t
  const float* k32 = c.keys_f32(task.layer, task.g);
  const model::bf16* k16 = c.keys_bf16(task.layer, task.g);
  for (int64_t t = 0; t < n; ++t) {
    const float* k = row_f32(k32, k16, t, D, row);
    for (int64_t r = 0; r < R; ++r) {
      const float* q = task.q + r * D;
      float dot = 0;
      for (int64_t d = 0; d < D; ++d) dot += q[d] * k[d];
      scores[r * n + t] = scale * dot;
    }
  }
  // p[r, :] = softmax(s[r, :]), left unnormalised; the sum divides the output instead.
  std::vector<float> sums(R);
  for (int64_t r = 0; r < R; ++r) {
    float* s = scores + r * n;
    const float mx = *std::max_element(s, s + n);
    sums[r] = exp_shifted(s, n, mx);
  }
  // out_r = sum_t p[r, t] v_t / sum_r
  std::fill(task.out, task.out + R * D, 0.0f);
  const float* v32 = c.values_f32(task.layer, task.g);
  const model::bf16* v16 = c.values_bf16(task.layer, task.g);
  for (int64_t t = 0; t < n; ++t) {
    const float* v = row_f32(v32, v16, t, D, row);
    for (int64_t r = 0; r < R; ++r) {
      const float p = scores[r * n + t];
      float* o = task.out + r * D;
      for (int64_t d = 0; d < D; ++d) o[d] += p * v[d];
    }
  }
  for (int64_t r = 0; r < R; ++r) {
    const float inv = 1.0f / sums[r];
    for (int64_t d = 0; d < D; ++d) task.out[r * D + d] *= inv;
  }
}

}  // namespace

void decode_attention(float* out, const float* qkv, std::span<KvCache* const> caches,
                      std::span<const int64_t> lengths, int64_t layer,
                      const model::ModelConfig& m) {
  const int64_t M = static_cast<int64_t>(caches.size());
  const int64_t H = m.heads, G = m.kv_heads, D = m.head_dim, R = H / G, Q = m.qkv_dim();
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
  // Query head h = g R + r, so kv head g's queries are R consecutive heads.
#pragma omp parallel
  {
    std::vector<float> scratch;
#pragma omp for schedule(dynamic, 1)
    for (int64_t task = 0; task < M * G; ++task) {
      const int64_t i = task / G, g = task % G;
      attend(
          {qkv + i * Q + g * R * D, out + i * H * D + g * R * D, caches[i], lengths[i], layer, g},
          R, D, scale, scratch);
    }
  }
}

}  // namespace longalign::infer
