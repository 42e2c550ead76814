// Planning, the softmax between the two passes, and the merge of the chunks' partial softmaxes.
//
// Work items: for each run of rows sharing a cache, each kv head g, each block of rows and each
// chunk of keys. An item's queries are the rows' R = H / G query heads of g, so each key tile and
// value row it reads serves all of them. Chunks are sized so an item's scores stay in the
// core's cache ([queries, chunk] floats, about 256 KiB).
#include "infer/cache_attention.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "infer/cache_attention_item.h"
#include "model/cpu_features.h"
#include "model/simd_exp.h"

namespace longalign::infer {
namespace {

constexpr int64_t kRowsPerItem = 32;
constexpr int64_t kScoreFloats = 65536;

enum class Kernel { avx512, avx2, scalar };

Kernel kernel_for(int64_t D) {
  if (model::cpu_features().avx512f && model::cpu_features().avx512bw && D % 16 == 0) {
    return Kernel::avx512;
  }
  return D % 8 == 0 ? Kernel::avx2 : Kernel::scalar;
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

// A query's partial softmax over one item's keys: the max score m, the sum l of e^(s - m), and
// (in the item's out) the sum of e^(s - m) v. An item with no key for the query has l = 0.
struct Partial {
  float m = -std::numeric_limits<float>::infinity();
  float l = 0;
};

// Turns the item's scores into e^(s - m) over each query's valid keys.
void softmax(const CacheItem& it, Partial* partials) {
  const int64_t keys = it.key_end - it.key_begin;
  for (int64_t q = 0; q < it.queries; ++q) {
    const int64_t valid = std::clamp<int64_t>(it.length[q] - it.key_begin, 0, keys);
    if (valid == 0) continue;
    float* s = it.scores + q * keys;
    const float m = *std::max_element(s, s + valid);
    partials[q] = {m, exp_shifted(s, valid, m)};
  }
}

void run_item(Kernel kernel, const CacheItem& it, Partial* partials) {
  switch (kernel) {
    case Kernel::avx512:
      score_pass_avx512(it);
      softmax(it, partials);
      value_pass_avx512(it);
      return;
    case Kernel::avx2:
      score_pass_avx2(it);
      softmax(it, partials);
      value_pass_avx2(it);
      return;
    case Kernel::scalar:
      score_pass_scalar(it);
      softmax(it, partials);
      value_pass_scalar(it);
      return;
  }
}

// The plan: every item, and where its queries' partial results go.
struct Plan {
  std::vector<CacheItem> items;
  std::vector<int64_t> first_query;  // per item, its first query in the global query order
  std::vector<const float*> q;       // per global query: its vector
  std::vector<int64_t> length;       // per global query
  std::vector<int64_t> owner;        // per global query: row * H + head, where its output goes
  int64_t queries = 0;
};

Plan plan_items(std::span<const AttentionRow> rows, int64_t layer, const model::ModelConfig& m) {
  const int64_t H = m.heads, G = m.kv_heads, D = m.head_dim, R = H / G;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
  Plan plan;
  struct Pending {
    CacheItem item;
    int64_t first;
  };
  std::vector<Pending> pending;
  for (size_t run = 0; run < rows.size();) {
    size_t end = run + 1;
    while (end < rows.size() && rows[end].cache == rows[run].cache) ++end;
    for (size_t block = run; block < end; block += kRowsPerItem) {
      const size_t block_end = std::min(end, block + kRowsPerItem);
      int64_t longest = 0;
      for (size_t r = block; r < block_end; ++r) longest = std::max(longest, rows[r].length);
      const int64_t keys = (longest + kKeyTile - 1) / kKeyTile * kKeyTile;
      const int64_t n_queries = static_cast<int64_t>(block_end - block) * R;
      const int64_t chunk =
          std::max<int64_t>(kKeyTile, kScoreFloats / n_queries / kKeyTile * kKeyTile);
      for (int64_t g = 0; g < G; ++g) {
        const int64_t first = plan.queries;
        for (size_t r = block; r < block_end; ++r) {
          for (int64_t i = 0; i < R; ++i) {
            const int64_t h = g * R + i;
            plan.q.push_back(rows[r].q + h * D);
            plan.length.push_back(rows[r].length);
            plan.owner.push_back(static_cast<int64_t>(r) * H + h);
          }
        }
        plan.queries += n_queries;
        for (int64_t k0 = 0; k0 < keys; k0 += chunk) {
          CacheItem it;
          it.cache = rows[run].cache;
          it.layer = layer;
          it.g = g;
          it.head_dim = D;
          it.key_begin = k0;
          it.key_end = std::min(keys, k0 + chunk);
          it.queries = n_queries;
          it.scale = scale;
          pending.push_back({it, first});
        }
      }
    }
    run = end;
  }
  // Pointers into the query arrays only once they stop growing.
  for (Pending& p : pending) {
    p.item.q = plan.q.data() + p.first;
    p.item.length = plan.length.data() + p.first;
    plan.items.push_back(p.item);
    plan.first_query.push_back(p.first);
  }
  return plan;
}

}  // namespace

void cache_attention(std::span<const AttentionRow> rows, int64_t layer,
                     const model::ModelConfig& m) {
  const int64_t D = m.head_dim;
  const Kernel kernel = kernel_for(D);
  Plan plan = plan_items(rows, layer, m);
  const auto items = static_cast<int64_t>(plan.items.size());
  // Each item's partials: per query (m, l) and an unnormalised output of D.
  std::vector<int64_t> offset(items + 1, 0);
  for (int64_t i = 0; i < items; ++i) offset[i + 1] = offset[i] + plan.items[i].queries;
  std::vector<Partial> partials(offset[items]);
  std::vector<float> outputs(offset[items] * D);
#pragma omp parallel
  {
    std::vector<float> scores;
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < items; ++i) {
      CacheItem it = plan.items[i];
      scores.resize(static_cast<size_t>(it.queries * (it.key_end - it.key_begin)));
      it.scores = scores.data();
      it.out = outputs.data() + offset[i] * D;
      run_item(kernel, it, partials.data() + offset[i]);
    }
  }
  // Merge: out = sum_c e^(m_c - M) o_c / sum_c e^(m_c - M) l_c, M the largest m_c, over the
  // items (chunks) of each query, which follow one another in the plan.
  std::vector<float> max_m(plan.queries, -std::numeric_limits<float>::infinity());
  for (int64_t i = 0; i < items; ++i) {
    for (int64_t q = 0; q < plan.items[i].queries; ++q) {
      float& mq = max_m[plan.first_query[i] + q];
      mq = std::max(mq, partials[offset[i] + q].m);
    }
  }
  std::vector<float> sum(plan.queries, 0.0f), out(plan.queries * D, 0.0f);
  for (int64_t i = 0; i < items; ++i) {
    for (int64_t q = 0; q < plan.items[i].queries; ++q) {
      const Partial& p = partials[offset[i] + q];
      if (p.l == 0) continue;
      const int64_t global = plan.first_query[i] + q;
      const float w = std::exp(p.m - max_m[global]);
      sum[global] += w * p.l;
      const float* o = outputs.data() + (offset[i] + q) * D;
      for (int64_t d = 0; d < D; ++d) out[global * D + d] += w * o[d];
    }
  }
  for (int64_t q = 0; q < plan.queries; ++q) {
    const int64_t row = plan.owner[q] / m.heads, h = plan.owner[q] % m.heads;
    float* dst = rows[row].out + h * D;
    const float inv = 1.0f / sum[q];
    for (int64_t d = 0; d < D; ++d) dst[d] = out[q * D + d] * inv;
  }
}

const char* cache_attention_kernel() {
  return model::cpu_features().avx512f && model::cpu_features().avx512bw ? "avx512" : "avx2";
}

}  // namespace longalign::infer
