// Prefix reuse against full recomputation: a prompt prefilled after a cached prefix gives the
// logits of the whole prompt prefilled at once, for every family; the scheduler reuses a
// finished or a running request's cache and answers exactly what it answers without reuse;
// memory stays within the budget; dynamic rope scaling never reuses.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "infer/engine.h"
#include "infer/infer_test_models.h"
#include "infer/prefix_cache.h"
#include "infer/sampler.h"
#include "infer/scheduler.h"
#include "test_support.h"

namespace longalign::infer {
namespace {

std::vector<int32_t> tokens_of(int64_t n, uint64_t seed, int64_t vocab) {
  std::vector<int32_t> out(n);
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<int32_t>((seed * 29 + i * 11 + i * i) % vocab);
  return out;
}

EngineOptions fp32() {
  EngineOptions o;
  o.precision = model::Precision::fp32;
  o.kv_dtype = KvDtype::fp32;
  o.prefill_chunk = 16;
  return o;
}

class PrefixReuse : public ::testing::TestWithParam<int> {};

// 45 tokens at once, or 20 then 25 (two chunks) on the same cache: the same logits, then the
// same greedy continuation.
TEST_P(PrefixReuse, PrefillAfterACachedPrefixEqualsTheWholePrompt) {
  const model::ModelConfig config = family_config(GetParam());
  Engine e(config, random_params(config, 3), fp32());
  const std::vector<int32_t> prompt = tokens_of(45, 4, config.vocab);
  KvCache whole = e.new_cache(60), split = e.new_cache(60);
  std::vector<float> a = e.prefill(whole, prompt);
  e.prefill(split, std::span(prompt).first(20));
  std::vector<float> b = e.prefill(split, std::span(prompt).subspan(20));
  EXPECT_EQ(split.length(), 45);
  KvCache* wa[] = {&whole};
  KvCache* wb[] = {&split};
  for (int step = 0; step < 6; ++step) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_NEAR(b[i], a[i], 1e-4 * std::max(1.0f, std::abs(a[i]))) << "step " << step;
    }
    const int32_t next[] = {argmax(a)};
    ASSERT_EQ(argmax(b), next[0]);
    a = e.decode_batch(wa, next);
    b = e.decode_batch(wb, next);
  }
}

INSTANTIATE_TEST_SUITE_P(Families, PrefixReuse, ::testing::Range(0, 4), family_of);

const text::Tokenizer& llama2() {
  static const text::Tokenizer t = text::Tokenizer::load(testing::npm_tokenizer_dir("llama2"));
  return t;
}

// A three-turn conversation: each turn's prompt is the last prompt, the answer and a new
// question. With reuse, each later turn takes the earlier turn's tokens from its cache.
std::vector<GenerationResult> conversation(Engine& e, int64_t prefix_cache_bytes) {
  Scheduler s(e, llama2(), {1, 0, prefix_cache_bytes});
  std::vector<int32_t> prompt = tokens_of(70, 1, e.config().vocab);
  std::vector<GenerationResult> results;
  for (int turn = 0; turn < 3; ++turn) {
    results.push_back(s.run(greedy(prompt, 12)));
    prompt.insert(prompt.end(), results.back().tokens.begin(), results.back().tokens.end());
    const std::vector<int32_t> question = tokens_of(9, 10 + turn, e.config().vocab);
    prompt.insert(prompt.end(), question.begin(), question.end());
  }
  return results;
}

TEST(PrefixReuseScheduler, LaterTurnsReuseAndAnswerAsWithoutIt) {
  const model::ModelConfig config = family_config(0);
  Engine e(config, random_params(config, 6), fp32());
  const auto with = conversation(e, int64_t{64} << 20), without = conversation(e, 0);
  for (int turn = 0; turn < 3; ++turn) {
    SCOPED_TRACE("turn " + std::to_string(turn));
    EXPECT_EQ(with[turn].tokens, without[turn].tokens);
    EXPECT_EQ(without[turn].cached_tokens, 0);
  }
  EXPECT_EQ(with[0].cached_tokens, 0);
  // Turn 2 reuses at least turn 1's prompt and all but the last of its answer's tokens.
  EXPECT_GE(with[1].cached_tokens, 70 + int64_t(with[0].tokens.size()) - 1);
  EXPECT_GE(with[2].cached_tokens, with[1].prompt_tokens);
}

TEST(PrefixReuseScheduler, ARunningRequestsCacheIsSharedToo) {
  const model::ModelConfig config = family_config(1);
  EngineOptions o = fp32();
  o.max_context = 8192;  // room for a first request that is still running when the second comes
  Engine e(config, random_params(config, 8), o);
  const std::vector<int32_t> document = tokens_of(80, 2, config.vocab);
  std::vector<int32_t> second = document;
  second.push_back(5);
  second.push_back(17);
  const GenerationResult alone = Scheduler(e, llama2(), {2, 2, 0}).run(greedy(second, 10));
  Scheduler s(e, llama2(), {2, 2, 0});  // no finished caches: only a running one can help
  auto first = s.submit(greedy(document, 8000));
  std::string delta;
  ASSERT_TRUE(first->next(delta));  // the first request has been prefilled and is running
  const GenerationResult shared = s.run(greedy(second, 10));
  first->cancel();
  EXPECT_EQ(shared.tokens, alone.tokens);
  EXPECT_GE(shared.cached_tokens, 80);
}

TEST(PrefixCache, KeepsTheMostRecentWithinItsBudgetAndFindsTheLongestMatch) {
  const model::ModelConfig config = family_config(0);
  Engine e(config, random_params(config, 1), fp32());
  const int64_t one = e.new_cache(64).bytes();
  PrefixCache cache(2 * one + one / 2);
  for (int i = 0; i < 4; ++i) {
    KvCache c = e.new_cache(64);
    e.prefill(c, tokens_of(30 + i, uint64_t(i), config.vocab));
    cache.put(tokens_of(30 + i, uint64_t(i), config.vocab), std::move(c));
    EXPECT_LE(cache.bytes(), 2 * one + one / 2);
  }
  EXPECT_EQ(cache.size(), 2u);
  int64_t shared = 0;
  std::vector<int32_t> prompt = tokens_of(33, 3, config.vocab);
  prompt.push_back(1);
  PrefixCache::Entry* hit = cache.longest_match(prompt, &shared);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(shared, 33);
  // The oldest entries were evicted: nothing shares a token with the first.
  EXPECT_EQ(cache.longest_match(tokens_of(30, 0, config.vocab), &shared), nullptr);
  EXPECT_EQ(cache.take(hit).cache.length(), 33);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(common_prefix(std::vector<int32_t>{1, 2, 3}, std::vector<int32_t>{1, 2, 4, 5}), 2);
}

TEST(PrefixReuseScheduler, DynamicRopeScalingNeverReuses) {
  model::ModelConfig config = family_config(0);
  config.rope.scaling = model::RopeScaling::dynamic;
  config.rope.factor = 2.0;
  Engine e(config, random_params(config, 2), fp32());
  const auto results = conversation(e, int64_t{64} << 20);
  for (const GenerationResult& r : results) EXPECT_EQ(r.cached_tokens, 0);
}

}  // namespace
}  // namespace longalign::infer
