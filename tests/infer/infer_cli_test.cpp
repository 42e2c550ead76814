// `longalign generate` and `longalign chat` as a user runs them, on a tiny random model folder
// with Llama 2's tokenizer: their greedy output equals the in-process scheduler's on the same
// folder, and bad command lines fail with a message.
#include <gtest/gtest.h>

#include "core/json.h"
#include "infer/chat_model.h"
#include "infer/scheduler.h"
#include "test_support.h"

namespace longalign::infer {
namespace {

using testing::shell_words;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr const char* kConfig = R"({"model_type": "llama", "hidden_size": 32,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "intermediate_size": 48, "vocab_size": 32000, "max_position_embeddings": 256,
    "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "initializer_range": 0.1})";

class InferCli : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = dir_.path() / "model";
    const fs::path config = dir_.write("config.json", kConfig);
    const auto r = testing::run_longalign(shell_words(
        {"model", "init", "--config", config.string(), "--tokenizer",
         testing::npm_tokenizer_dir("llama2").string(), "-o", model_.string(), "--seed", "4"}));
    ASSERT_EQ(r.code, 0) << r.err;
  }

  // Greedy generation in this process, through the same loading path as the CLI.
  GenerationResult in_process(const std::vector<int32_t>& prompt, int64_t max_new) {
    EngineOptions o;
    o.precision = model::Precision::fp32;
    o.kv_dtype = KvDtype::fp32;
    const ChatModel m = load_chat_model(model_, "", o);
    Scheduler scheduler(*m.engine, *m.tokenizer, {});
    GenerationRequest r;
    r.prompt = prompt;
    r.sampling.temperature = 0;
    r.max_new_tokens = max_new;
    r.stop_tokens = m.stop_tokens;
    return scheduler.run(r);
  }

  std::vector<int32_t> chat_tokens(const std::string& user) {
    const ChatModel m = load_chat_model(model_, "", {});
    return chat_prompt(m, {{data::Role::user, user}});
  }

  TempDir dir_;
  fs::path model_;
};

TEST_F(InferCli, GenerateJsonEqualsTheInProcessScheduler) {
  const auto r = testing::run_longalign(shell_words(
      {"generate", "--model", model_.string(), "--prompt", "Hello there", "--temperature", "0",
       "--max-new-tokens", "12", "--dtype", "fp32", "--kv-dtype", "fp32", "--json"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const Json out = parse_json(r.out, "stdout");
  const std::vector<int32_t> prompt = chat_tokens("Hello there");
  // The llama2 template: <s>[INST]Hello there[/INST], the answer to follow.
  const ChatModel m = load_chat_model(model_, "", {});
  std::vector<int32_t> expected_prompt = {1};
  for (const text::TokenId id : m.tokenizer->encode("[INST]Hello there[/INST]")) {
    expected_prompt.push_back(static_cast<int32_t>(id));
  }
  EXPECT_EQ(prompt, expected_prompt);
  const GenerationResult want = in_process(prompt, 12);
  EXPECT_EQ(out["tokens"].get<std::vector<int32_t>>(), want.tokens);
  EXPECT_EQ(out["text"].get<std::string>(), want.text);
  EXPECT_EQ(out["finish_reason"].get<std::string>(), finish_reason_name(want.finish));
  EXPECT_EQ(out["usage"]["prompt_tokens"].get<int64_t>(), static_cast<int64_t>(prompt.size()));
  EXPECT_EQ(out["usage"]["completion_tokens"].get<int64_t>(), want.completion_tokens);
}

TEST_F(InferCli, GenerateRawStreamsTheText) {
  const auto r = testing::run_longalign(shell_words(
      {"generate", "--model", model_.string(), "--raw", "--prompt", "Once upon", "--temperature",
       "0", "--max-new-tokens", "10", "--dtype", "fp32", "--kv-dtype", "fp32"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const ChatModel m = load_chat_model(model_, "", {});
  const std::vector<text::TokenId> ids = m.tokenizer->encode("Once upon", {.add_special = true});
  EXPECT_EQ(r.out, in_process(std::vector<int32_t>(ids.begin(), ids.end()), 10).text + "\n");
}

TEST_F(InferCli, ChatKeepsHistoryUntilReset) {
  const fs::path input = dir_.write("input.txt", "Hi\n/reset\nHi\n/exit\nnot read\n");
  const auto r = testing::run_longalign(
      shell_words({"chat", "--model", model_.string(), "--temperature", "0", "--max-new-tokens",
                   "6", "--dtype", "fp32", "--kv-dtype", "fp32"}),
      input);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string reply = in_process(chat_tokens("Hi"), 6).text;
  EXPECT_EQ(r.out, reply + "\n" + reply + "\n");
}

TEST_F(InferCli, BadCommandLinesFail) {
  auto r = testing::run_longalign(shell_words({"generate", "--model", model_.string()}));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(testing::contains(r.err, "--prompt")) << r.err;
  r = testing::run_longalign(
      shell_words({"generate", "--model", (dir_.path() / "missing").string(), "--prompt", "x"}));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(testing::contains(r.err, "error:")) << r.err;
  r = testing::run_longalign(
      shell_words({"generate", "--model", model_.string(), "--prompt", "x", "--top-p", "0"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(testing::contains(r.err, "top_p")) << r.err;
  r = testing::run_longalign(shell_words(
      {"generate", "--model", model_.string(), "--prompt", "x", "--raw", "--system", "s"}));
  EXPECT_EQ(r.code, 2);
}

}  // namespace
}  // namespace longalign::infer
