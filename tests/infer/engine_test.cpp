// Prefill and cached decode against the naive double-precision reference of the whole model
// (tests/model/reference_model.h), which recomputes every position from scratch without a cache;
// chunked prefill, batched decode and bf16 caches against the plain fp32 engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "infer/engine.h"
#include "infer/infer_test_models.h"
#include "infer/sampler.h"
#include "model/reference_model.h"
#include "test_support.h"

namespace longalign::infer {
namespace {

using model::Vec;

std::vector<int32_t> random_tokens(int64_t n, int64_t vocab, uint64_t seed) {
  std::vector<int32_t> out(n);
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<int32_t>((seed * 31 + i * i * 17 + i * 5) % vocab);
  return out;
}

// The reference's logits [T, V] for one sequence at positions 0..T-1.
Vec reference_logits(const model::ModelConfig& m, const model::Parameters& params,
                     const std::vector<int32_t>& tokens) {
  std::vector<int32_t> positions(tokens.size());
  std::iota(positions.begin(), positions.end(), 0);
  const std::vector<int32_t> cu = {0, static_cast<int32_t>(tokens.size())};
  return model::ref_logits(m, model::RefParams(params), tokens, positions, cu);
}

// |a - b| <= tol * max(1, |b|) for every entry; reports the first that is not.
void expect_close(const float* a, const double* b, int64_t n, double tol, const char* what) {
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_NEAR(a[i], b[i], tol * std::max(1.0, std::abs(b[i]))) << what << " at " << i;
  }
}

void expect_close(const std::vector<float>& a, const std::vector<float>& b, double tol,
                  const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_NEAR(a[i], b[i], tol * std::max(1.0f, std::abs(b[i]))) << what << " at " << i;
  }
}

EngineOptions fp32_options(int64_t chunk = 16) {
  EngineOptions o;
  o.precision = model::Precision::fp32;
  o.kv_dtype = KvDtype::fp32;
  o.prefill_chunk = chunk;
  return o;
}

class EngineTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    config_ = family_config(GetParam());
    params_ = random_params(config_, 11 + GetParam());
  }
  Engine engine(const EngineOptions& o) const { return Engine(config_, params_, o); }

  model::ModelConfig config_;
  std::shared_ptr<model::Parameters> params_;
};

// Prefill of 37 tokens (chunks of 16, the last padded), then 8 tokens decoded one by one: every
// logit row equals the reference's row at that position.
TEST_P(EngineTest, PrefillAndCachedDecodeMatchTheReference) {
  const int64_t V = config_.vocab, prompt = 37, steps = 8;
  const std::vector<int32_t> tokens = random_tokens(prompt + steps, V, 3);
  const Vec ref = reference_logits(config_, *params_, tokens);
  Engine e = engine(fp32_options());
  KvCache cache = e.new_cache(prompt + steps);
  std::vector<float> logits = e.prefill(cache, std::span(tokens).first(prompt));
  expect_close(logits.data(), &ref[(prompt - 1) * V], V, 1e-4, "prefill");
  KvCache* caches[] = {&cache};
  for (int64_t t = prompt; t < prompt + steps; ++t) {
    logits = e.decode_batch(caches, std::span(tokens).subspan(t, 1));
    expect_close(logits.data(), &ref[t * V], V, 1e-4, "decode");
  }
  EXPECT_EQ(cache.length(), prompt + steps);
}

// Greedy generation through the cache picks the tokens that greedy decoding by recomputing the
// reference over the whole sequence at every step picks.
TEST_P(EngineTest, GreedyWithTheCacheEqualsGreedyByRecomputation) {
  const int64_t V = config_.vocab, steps = 12;
  std::vector<int32_t> expected = random_tokens(9, V, 5);
  const size_t prompt = expected.size();
  for (int64_t s = 0; s < steps; ++s) {
    const Vec ref = reference_logits(config_, *params_, expected);
    const double* last = &ref[(expected.size() - 1) * V];
    expected.push_back(static_cast<int32_t>(std::max_element(last, last + V) - last));
  }
  Engine e = engine(fp32_options());
  KvCache cache = e.new_cache(prompt + steps);
  std::vector<int32_t> got(expected.begin(), expected.begin() + prompt);
  std::vector<float> logits = e.prefill(cache, got);
  KvCache* caches[] = {&cache};
  for (int64_t s = 0; s < steps; ++s) {
    got.push_back(argmax(logits));
    if (s + 1 < steps) logits = e.decode_batch(caches, std::span(got).last(1));
  }
  EXPECT_EQ(got, expected);
}

// A prompt run in chunks of 16 rows gives the logits and the cache of one run in a single chunk.
TEST_P(EngineTest, ChunkedPrefillEqualsUnchunked) {
  const std::vector<int32_t> tokens = random_tokens(50, config_.vocab, 7);
  Engine chunked = engine(fp32_options(16)), whole = engine(fp32_options(4096));
  KvCache a = chunked.new_cache(52), b = whole.new_cache(52);
  expect_close(chunked.prefill(a, tokens), whole.prefill(b, tokens), 1e-5, "prefill");
  const int32_t next[] = {4};
  KvCache *ca[] = {&a}, *cb[] = {&b};
  expect_close(chunked.decode_batch(ca, next), whole.decode_batch(cb, next), 1e-5, "decode");
}

// Three requests of different lengths decoded together give what each gives decoded alone.
TEST_P(EngineTest, BatchedDecodeEqualsEachAlone) {
  const int64_t V = config_.vocab, steps = 4;
  const int64_t lengths[] = {5, 17, 30};
  Engine e = engine(fp32_options());
  std::vector<KvCache> together, alone;
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < 3; ++i) {
    prompts.push_back(random_tokens(lengths[i], V, 20 + i));
    together.push_back(e.new_cache(lengths[i] + steps));
    alone.push_back(e.new_cache(lengths[i] + steps));
    e.prefill(together[i], prompts[i]);
    e.prefill(alone[i], prompts[i]);
  }
  for (int64_t s = 0; s < steps; ++s) {
    const std::vector<int32_t> next = {int32_t(s + 1), int32_t(2 * s + 7), int32_t(V - 1 - s)};
    KvCache* batch[] = {&together[0], &together[1], &together[2]};
    const std::vector<float> logits = e.decode_batch(batch, next);
    for (int i = 0; i < 3; ++i) {
      KvCache* one[] = {&alone[i]};
      const std::vector<float> single = e.decode_batch(one, std::span(next).subspan(i, 1));
      const std::vector<float> row(logits.begin() + i * V, logits.begin() + (i + 1) * V);
      expect_close(row, single, 1e-5, "batched");
    }
  }
}

// bf16 keys and values (and bf16 products) stay close to the fp32 engine: the largest logit
// difference is a small fraction of the logits' spread.
TEST_P(EngineTest, Bf16IsCloseToFp32) {
  const int64_t V = config_.vocab;
  const std::vector<int32_t> tokens = random_tokens(40, V, 9);
  Engine exact = engine(fp32_options());
  EngineOptions kv16 = fp32_options();
  kv16.kv_dtype = KvDtype::bf16;
  EngineOptions all16 = kv16;
  all16.precision = model::Precision::bf16;
  for (const EngineOptions& o : {kv16, all16}) {
    Engine e = engine(o);
    KvCache a = exact.new_cache(41), b = e.new_cache(41);
    exact.prefill(a, std::span(tokens).first(39));
    e.prefill(b, std::span(tokens).first(39));
    KvCache *ca[] = {&a}, *cb[] = {&b};
    const std::vector<float> want = exact.decode_batch(ca, std::span(tokens).last(1));
    const std::vector<float> got = e.decode_batch(cb, std::span(tokens).last(1));
    const auto [lo, hi] = std::minmax_element(want.begin(), want.end());
    double worst = 0;
    for (int64_t v = 0; v < V; ++v) worst = std::max(worst, double(std::abs(got[v] - want[v])));
    EXPECT_GT(worst, 0.0) << "bf16 rounding should change something";
    EXPECT_LT(worst, 0.03 * (*hi - *lo));
  }
}

INSTANTIATE_TEST_SUITE_P(Families, EngineTest, ::testing::Range(0, 4), family_of);

TEST(Engine, RefusesBadInput) {
  const model::ModelConfig config = family_config(0);
  Engine e(config, random_params(config, 1), fp32_options());
  KvCache cache = e.new_cache(8);
  const std::vector<int32_t> bad = {1, 2, 61};
  EXPECT_TRUE(testing::contains(testing::error_of([&] { e.prefill(cache, bad); }), "vocabulary"));
  const std::vector<int32_t> long_prompt(9, 1);
  EXPECT_TRUE(
      testing::contains(testing::error_of([&] { e.prefill(cache, long_prompt); }), "does not fit"));
  const std::vector<int32_t> full(8, 1);
  e.prefill(cache, full);
  KvCache* caches[] = {&cache};
  const int32_t next[] = {1};
  EXPECT_TRUE(testing::contains(testing::error_of([&] { e.decode_batch(caches, next); }),
                                "8 of 8 tokens cached"));
  EXPECT_TRUE(testing::contains(testing::error_of([&] { e.new_cache(129); }), "exceeds"));
}

}  // namespace
}  // namespace longalign::infer
