// The options `eval needle` and `eval tasks` share: which model answers (a model folder run in
// process, or an OpenAI-compatible endpoint), its precisions, the answer length and concurrency.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "eval/answer_source.h"

namespace longalign::cli {

// A settings.max_length that cuts no prompt: these commands size their prompts themselves (the
// needle test) or send them whole (the task files).
inline constexpr int64_t kNoPromptCut = int64_t{1} << 30;

struct AnswerSourceArgs {
  std::string model, template_name, dtype = "bf16", kv_dtype = "bf16";
  std::string endpoint, endpoint_model, endpoint_key_env = "OPENAI_API_KEY", tokenizer;
  eval::AnswerSettings settings;
};

// --model, --endpoint, --endpoint-model, --endpoint-key-env, --template, --dtype, --kv-dtype,
// --max-new-tokens, --concurrency; and --tokenizer (the endpoint model's) when `with_tokenizer`.
void add_answer_source_options(CLI::App& cmd, AnswerSourceArgs& args, bool with_tokenizer);

// UsageError unless exactly one of --model and --endpoint is given (the endpoint with its model
// name) and the limits are positive.
void check_answer_source_args(const AnswerSourceArgs& args, const std::string& command);

// The model folder or the endpoint, answering greedily with args.settings.
std::unique_ptr<eval::AnswerSource> make_answer_source(const AnswerSourceArgs& args);

// The model's name for reports: the folder's name or the endpoint's model.
std::string answer_source_name(const AnswerSourceArgs& args);

}  // namespace longalign::cli
