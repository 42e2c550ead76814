// Attention against a KV cache (the decode step, and a prompt whose prefix is cached) against a
// naive double-precision softmax written here: head sizes on every kernel path (8: AVX2; 16, 64
// and 128: AVX-512 where the CPU has it; 12: one float at a time), GQA ratios 1, 2 and 4, lengths
// around the 16-token key tiles and across the chunks that run in parallel, fp32 and bf16
// caches, rows with their own caches and rows sharing one.
#include "infer/cache_attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "model/bf16.h"
#include "model/config.h"

namespace longalign::infer {
namespace {

model::ModelConfig config_of(int64_t H, int64_t G, int64_t D) {
  const std::string json = R"({"model_type": "llama", "hidden_size": )" + std::to_string(H * D) +
                           R"(, "num_hidden_layers": 2, "num_attention_heads": )" +
                           std::to_string(H) + R"(, "num_key_value_heads": )" + std::to_string(G) +
                           R"(, "intermediate_size": 8, "vocab_size": 11,
                              "max_position_embeddings": 100000, "rms_norm_eps": 1e-5})";
  return model::parse_config(parse_json(json, "test"), "test");
}

struct Fixture {
  model::ModelConfig m;
  KvCache cache;
  std::vector<float> keys, values;  // [n, G, D] as stored (after bf16 rounding when bf16)

  Fixture(int64_t H, int64_t G, int64_t D, int64_t n, KvDtype dtype, uint32_t seed)
      : m(config_of(H, G, D)), cache(m, dtype, n) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    keys.resize(n * G * D);
    values.resize(n * G * D);
    for (float& x : keys) x = normal(rng);
    for (float& x : values) x = normal(rng);
    for (int64_t t = 0; t < n; ++t) {
      for (int64_t layer = 0; layer < 2; ++layer) {
        cache.store(layer, t, keys.data() + t * G * D, values.data() + t * G * D);
      }
    }
    cache.set_length(n);
    if (dtype == KvDtype::bf16) {
      for (float& x : keys) x = model::round_bf16(x);
      for (float& x : values) x = model::round_bf16(x);
    }
  }

  // The naive output of one query row [H, D] over the first `length` tokens.
  std::vector<double> reference(const float* q, int64_t length) const {
    const int64_t H = m.heads, G = m.kv_heads, D = m.head_dim;
    std::vector<double> out(H * D, 0.0);
    for (int64_t h = 0; h < H; ++h) {
      const int64_t g = h / (H / G);
      std::vector<double> s(length);
      double mx = -1e300, z = 0;
      for (int64_t t = 0; t < length; ++t) {
        double dot = 0;
        for (int64_t d = 0; d < D; ++d) dot += double(q[h * D + d]) * keys[(t * G + g) * D + d];
        s[t] = dot / std::sqrt(double(D));
        mx = std::max(mx, s[t]);
      }
      for (double& x : s) z += (x = std::exp(x - mx));
      for (int64_t t = 0; t < length; ++t) {
        for (int64_t d = 0; d < D; ++d) out[h * D + d] += s[t] / z * values[(t * G + g) * D + d];
      }
    }
    return out;
  }
};

void check_rows(const Fixture& f, const std::vector<int64_t>& lengths, uint32_t seed) {
  const int64_t HD = f.m.heads * f.m.head_dim;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> q(lengths.size() * HD), out(lengths.size() * HD, NAN);
  for (float& x : q) x = normal(rng);
  std::vector<AttentionRow> rows;
  for (size_t i = 0; i < lengths.size(); ++i) {
    rows.push_back({q.data() + i * HD, out.data() + i * HD, &f.cache, lengths[i]});
  }
  cache_attention(rows, 1, f.m);
  for (size_t i = 0; i < lengths.size(); ++i) {
    const std::vector<double> ref = f.reference(q.data() + i * HD, lengths[i]);
    for (int64_t j = 0; j < HD; ++j) {
      ASSERT_NEAR(out[i * HD + j], ref[j], 2e-5 * (1 + std::abs(ref[j])))
          << "row " << i << " (length " << lengths[i] << "), element " << j;
    }
  }
}

TEST(CacheAttention, MatchesTheNaiveSoftmaxOnEveryKernelPath) {
  for (const auto& [H, G, D] :
       {std::tuple{4, 4, 8}, {4, 2, 16}, {8, 2, 64}, {4, 1, 128}, {2, 2, 12}}) {
    for (KvDtype dtype : {KvDtype::fp32, KvDtype::bf16}) {
      SCOPED_TRACE("H " + std::to_string(H) + " G " + std::to_string(G) + " D " +
                   std::to_string(D) + (dtype == KvDtype::bf16 ? " bf16" : " fp32"));
      const Fixture f(H, G, D, 5000, dtype, uint32_t(H * G * D));
      // Many rows of one cache (a cached prefix's prompt) and single rows (decode steps).
      check_rows(f, {1, 15, 16, 17, 31, 33, 100, 4097, 5000}, 1);
      check_rows(f, {5000}, 2);
    }
  }
}

TEST(CacheAttention, RowsWithTheirOwnCachesAreEachTheirOwn) {
  const Fixture a(4, 2, 16, 300, KvDtype::fp32, 7), b(4, 2, 16, 40, KvDtype::fp32, 8);
  const int64_t HD = 64;
  std::vector<float> q(3 * HD, 0.5f), out(3 * HD);
  for (int64_t j = 0; j < 3 * HD; ++j) q[j] = float(j % 13) / 13.0f - 0.4f;
  const std::vector<AttentionRow> rows = {{q.data(), out.data(), &a.cache, 300},
                                          {q.data() + HD, out.data() + HD, &b.cache, 40},
                                          {q.data() + 2 * HD, out.data() + 2 * HD, &a.cache, 5}};
  cache_attention(rows, 1, a.m);
  const Fixture* caches[] = {&a, &b, &a};
  const int64_t lengths[] = {300, 40, 5};
  for (int i = 0; i < 3; ++i) {
    const std::vector<double> ref = caches[i]->reference(q.data() + i * HD, lengths[i]);
    for (int64_t j = 0; j < HD; ++j) ASSERT_NEAR(out[i * HD + j], ref[j], 2e-5) << i << " " << j;
  }
}

TEST(KvCache, CopyPrefixTakesKeysAndValuesOfEveryLayer) {
  const Fixture f(4, 2, 16, 100, KvDtype::bf16, 3);
  KvCache copy(f.m, KvDtype::bf16, 120);
  copy.copy_prefix(f.cache, 37);
  EXPECT_EQ(copy.length(), 37);
  std::vector<float> q(64, 0.25f), out(64), expected(64);
  for (int64_t j = 0; j < 64; ++j) q[j] = float(j % 5) - 2.0f;
  const AttentionRow original[] = {{q.data(), expected.data(), &f.cache, 37}};
  const AttentionRow copied[] = {{q.data(), out.data(), &copy, 37}};
  for (int64_t layer : {0, 1}) {
    cache_attention(original, layer, f.m);
    cache_attention(copied, layer, f.m);
    EXPECT_EQ(out, expected) << "layer " << layer;
  }
  KvCache small(f.m, KvDtype::bf16, 10);
  EXPECT_THROW(small.copy_prefix(f.cache, 37), Error);
  KvCache other(f.m, KvDtype::fp32, 120);
  EXPECT_THROW(other.copy_prefix(f.cache, 5), Error);
}

}  // namespace
}  // namespace longalign::infer
