// The scheduler on a tiny model with Llama 2's tokenizer: concurrent requests decoded together
// give what each gives alone (checked against the engine driven directly), streamed text, stop
// tokens, length limits, a full queue, cancellation freeing the slot, and refused requests.
#include "infer/scheduler.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "infer/engine.h"
#include "infer/infer_test_models.h"
#include "infer/sampler.h"
#include "test_support.h"

namespace longalign::infer {
namespace {

const text::Tokenizer& llama2() {
  static const text::Tokenizer t = text::Tokenizer::load(testing::npm_tokenizer_dir("llama2"));
  return t;
}

std::unique_ptr<Engine> tiny_engine(int family, int64_t max_context = 0) {
  const model::ModelConfig config = family_config(family);
  EngineOptions o;
  o.precision = model::Precision::fp32;
  o.kv_dtype = KvDtype::fp32;
  o.max_context = max_context;
  return std::make_unique<Engine>(config, random_params(config, 5), o);
}

// Greedy decoding with the engine alone, one request, no scheduler.
std::vector<int32_t> engine_greedy(Engine& e, const std::vector<int32_t>& prompt, int64_t n) {
  KvCache cache = e.new_cache(static_cast<int64_t>(prompt.size()) + n);
  std::vector<float> logits = e.prefill(cache, prompt);
  std::vector<int32_t> out;
  KvCache* caches[] = {&cache};
  for (int64_t i = 0; i < n; ++i) {
    out.push_back(argmax(logits));
    if (i + 1 < n) logits = e.decode_batch(caches, std::span(out).last(1));
  }
  return out;
}

std::vector<int32_t> prompt_of(int i) {
  std::vector<int32_t> p;
  for (int j = 0; j < 3 + 4 * i; ++j) p.push_back((i * 13 + j * 7) % 61);
  return p;
}

// Seven requests from seven threads, at most three decoded together: each gets exactly the tokens
// it gets alone, and its streamed deltas spell its text.
TEST(Scheduler, ConcurrentRequestsGetWhatTheyGetAlone) {
  auto engine = tiny_engine(2);
  std::vector<std::vector<int32_t>> expected;
  for (int i = 0; i < 7; ++i) expected.push_back(engine_greedy(*engine, prompt_of(i), 10 + i));

  Scheduler scheduler(*engine, llama2(), {.max_running = 3, .max_queued = 8});
  std::vector<GenerationResult> results(7);
  std::vector<std::string> streamed(7);
  std::vector<std::thread> threads;
  for (int i = 0; i < 7; ++i) {
    threads.emplace_back([&, i] {
      auto stream = scheduler.submit(greedy(prompt_of(i), 10 + i));
      std::string delta;
      while (stream->next(delta)) streamed[i] += delta;
      results[i] = stream->result();
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(results[i].tokens, expected[i]) << "request " << i;
    EXPECT_EQ(results[i].finish, FinishReason::length);
    EXPECT_EQ(results[i].completion_tokens, 10 + i);
    EXPECT_EQ(results[i].prompt_tokens, static_cast<int64_t>(prompt_of(i).size()));
    const std::vector<text::TokenId> ids(expected[i].begin(), expected[i].end());
    EXPECT_EQ(results[i].text, llama2().decode(ids));
    EXPECT_EQ(streamed[i], results[i].text);
  }
}

TEST(Scheduler, AStopTokenEndsTheAnswerAndIsNotPartOfIt) {
  auto engine = tiny_engine(3);
  const std::vector<int32_t> free_run = engine_greedy(*engine, prompt_of(1), 6);
  Scheduler scheduler(*engine, llama2(), {});
  GenerationRequest r = greedy(prompt_of(1), 20);
  r.stop_tokens = {free_run[3]};
  const GenerationResult result = scheduler.run(r);
  // The first occurrence of the stop token ends it.
  const size_t first = std::find(free_run.begin(), free_run.end(), free_run[3]) - free_run.begin();
  EXPECT_EQ(result.finish, FinishReason::stop);
  EXPECT_EQ(result.tokens, std::vector<int32_t>(free_run.begin(), free_run.begin() + first));
  EXPECT_EQ(result.completion_tokens, static_cast<int64_t>(first) + 1);
  EXPECT_STREQ(finish_reason_name(result.finish), "stop");
}

// A request that ends at its first token (max_new_tokens 1, or a stop token first) ends at
// admission: it must not join the decode batch, whose caches it has handed to the prefix cache
// (the server crashed so under load). The others run on, unchanged.
TEST(Scheduler, ARequestEndingAtItsFirstTokenLeavesTheBatchAlone) {
  auto engine = tiny_engine(2);
  const std::vector<int32_t> long_answer = engine_greedy(*engine, prompt_of(2), 30);
  const std::vector<int32_t> first = engine_greedy(*engine, prompt_of(1), 1);
  Scheduler scheduler(*engine, llama2(), {.max_running = 4, .max_queued = 8});
  auto running = scheduler.submit(greedy(prompt_of(2), 30));
  std::vector<GenerationResult> short_ones;
  for (int i = 0; i < 6; ++i) {
    GenerationRequest r = greedy(prompt_of(1), i % 2 ? 1 : 20);
    if (i % 2 == 0) r.stop_tokens = {first[0]};
    short_ones.push_back(scheduler.run(r));
  }
  std::string delta;
  while (running->next(delta)) {
  }
  EXPECT_EQ(running->result().tokens, long_answer);
  for (size_t i = 0; i < short_ones.size(); ++i) {
    EXPECT_EQ(short_ones[i].completion_tokens, 1) << i;
    EXPECT_EQ(short_ones[i].finish, i % 2 ? FinishReason::length : FinishReason::stop) << i;
    EXPECT_EQ(short_ones[i].tokens, i % 2 ? first : std::vector<int32_t>{}) << i;
  }
}

TEST(Scheduler, TheContextEndsAGenerationAtItsLength) {
  auto engine = tiny_engine(0, 20);
  Scheduler scheduler(*engine, llama2(), {});
  const GenerationResult result = scheduler.run(greedy(std::vector<int32_t>(15, 3), 100));
  EXPECT_EQ(result.finish, FinishReason::length);
  // 15 prompt tokens and 5 cached answer tokens fill the 20; the sixth needs no cache slot.
  EXPECT_EQ(result.completion_tokens, 6);
}

// max_running 1 + max_queued 1: a third request is refused; cancelling one frees its slot at once.
TEST(Scheduler, AFullQueueRefusesAndCancelFreesTheSlot) {
  Json json = parse_json(kFamilyConfigs[0], "test");
  json["max_position_embeddings"] = 1 << 16;
  const model::ModelConfig config = model::parse_config(json, "test");
  EngineOptions o;
  o.precision = model::Precision::fp32;
  Engine engine(config, random_params(config, 2), o);
  Scheduler scheduler(engine, llama2(), {.max_running = 1, .max_queued = 1});
  // Long generations that are still running when the test cancels them.
  auto first = scheduler.submit(greedy({1, 2, 3}, 60000));
  auto second = scheduler.submit(greedy({4, 5}, 60000));
  const std::string full = testing::error_of([&] { scheduler.submit(greedy({6}, 5)); });
  EXPECT_TRUE(testing::contains(full, "already running or waiting")) << full;
  first->cancel();
  first->cancel();  // twice is harmless
  auto third = scheduler.submit(greedy({7, 8}, 4));
  second->cancel();
  std::string delta;
  while (first->next(delta)) {
  }
  EXPECT_EQ(first->result().finish, FinishReason::cancelled);
  while (second->next(delta)) {
  }
  EXPECT_EQ(second->result().finish, FinishReason::cancelled);
  while (third->next(delta)) {
  }
  EXPECT_EQ(third->result().finish, FinishReason::length);
  EXPECT_EQ(third->result().tokens.size(), 4u);
}

TEST(Scheduler, RefusesRequestsThatCannotRun) {
  auto engine = tiny_engine(1);  // context 128
  Scheduler scheduler(*engine, llama2(), {});
  const auto refused = [&](GenerationRequest r) {
    try {
      scheduler.submit(std::move(r));
    } catch (const QueueFull&) {
      return std::string("queue full");
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_TRUE(
      testing::contains(refused(greedy(std::vector<int32_t>(128, 1), 4)), "context of 128"));
  EXPECT_EQ(refused(greedy(std::vector<int32_t>(127, 1), 4)), "accepted");
  EXPECT_TRUE(testing::contains(refused(greedy({}, 4)), "empty"));
  EXPECT_TRUE(testing::contains(refused(greedy({1, 61}, 4)), "vocabulary"));
  EXPECT_TRUE(testing::contains(refused(greedy({1}, 0)), "max_new_tokens"));
  GenerationRequest bad = greedy({1}, 4);
  bad.sampling.top_p = 2;
  EXPECT_TRUE(testing::contains(refused(bad), "top_p"));
}

// Sampled (not greedy) requests follow their own seeds, whatever runs beside them.
TEST(Scheduler, SeededSamplingDoesNotDependOnTheBatch) {
  auto engine = tiny_engine(0);
  const auto sampled = [](uint64_t seed) {
    GenerationRequest r;
    r.prompt = prompt_of(2);
    r.sampling.temperature = 1.0;
    r.sampling.top_p = 0.9;
    r.sampling.seed = seed;
    r.max_new_tokens = 12;
    return r;
  };
  Scheduler alone(*engine, llama2(), {.max_running = 1, .max_queued = 4});
  const std::vector<int32_t> a = alone.run(sampled(9)).tokens;
  Scheduler shared(*engine, llama2(), {.max_running = 4, .max_queued = 4});
  auto s1 = shared.submit(sampled(9));
  auto s2 = shared.submit(sampled(10));
  std::string delta;
  while (s1->next(delta)) {
  }
  while (s2->next(delta)) {
  }
  EXPECT_EQ(s1->result().tokens, a);
  EXPECT_NE(s2->result().tokens, a);
}

}  // namespace
}  // namespace longalign::infer
