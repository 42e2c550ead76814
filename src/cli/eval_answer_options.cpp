#include "cli/eval_answer_options.h"

#include <filesystem>

#include "core/error.h"
#include "eval/endpoint_answer_source.h"
#include "eval/local_answer_source.h"
#include "model/precision.h"

namespace longalign::cli {

void add_answer_source_options(CLI::App& cmd, AnswerSourceArgs& a, bool with_tokenizer) {
  auto* model = cmd.add_option("--model", a.model, "Answer with this model folder, in process");
  auto* endpoint = cmd.add_option("--endpoint", a.endpoint,
                                  "Answer with an OpenAI-compatible endpoint (base URL, .../v1)");
  model->excludes(endpoint);
  cmd.add_option("--endpoint-model", a.endpoint_model, "The model name the endpoint serves")
      ->needs(endpoint);
  cmd.add_option("--endpoint-key-env", a.endpoint_key_env,
                 "Environment variable holding the endpoint's API key (OPENAI_API_KEY)")
      ->needs(endpoint);
  if (with_tokenizer) {
    cmd.add_option("--tokenizer", a.tokenizer,
                   "The endpoint model's tokenizer folder, to measure prompts in its tokens")
        ->needs(endpoint);
  }
  cmd.add_option("--template", a.template_name,
                 "Chat template (llama2, chatglm3, llama3, chatml, mistral, plain, "
                 "chatglm3-roles); default: detected from the tokenizer");
  cmd.add_option("--dtype", a.dtype, "Matrix products of --model: bf16 (default) or fp32")
      ->needs(model);
  cmd.add_option("--kv-dtype", a.kv_dtype, "KV cache of --model: bf16 (default) or fp32")
      ->needs(model);
  cmd.add_option("--max-new-tokens", a.settings.max_new_tokens, "Answer tokens at most")
      ->capture_default_str();
  cmd.add_option("--concurrency", a.settings.concurrency, "Answers generated at once (1)");
}

void check_answer_source_args(const AnswerSourceArgs& a, const std::string& command) {
  if (a.model.empty() == a.endpoint.empty()) {
    throw UsageError(command + " needs --model DIR or --endpoint URL (one of them)");
  }
  if (!a.endpoint.empty() && a.endpoint_model.empty()) {
    throw UsageError("--endpoint needs --endpoint-model, the name the endpoint serves");
  }
  if (a.settings.max_new_tokens < 1 || a.settings.concurrency < 1) {
    throw UsageError("--max-new-tokens and --concurrency must be at least 1");
  }
}

std::unique_ptr<eval::AnswerSource> make_answer_source(const AnswerSourceArgs& a) {
  if (!a.model.empty()) {
    infer::EngineOptions engine;
    engine.precision = model::parse_precision(a.dtype);
    engine.kv_dtype = infer::parse_kv_dtype(a.kv_dtype);
    return std::make_unique<eval::LocalAnswerSource>(a.model, a.template_name, engine, a.settings);
  }
  serve::ClientOptions client;
  client.base_url = a.endpoint;
  client.model = a.endpoint_model;
  client.api_key_env = a.endpoint_key_env;
  return std::make_unique<eval::EndpointAnswerSource>(client, a.tokenizer, a.settings);
}

std::string answer_source_name(const AnswerSourceArgs& a) {
  if (a.model.empty()) return a.endpoint_model;
  std::filesystem::path dir = std::filesystem::path(a.model).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();  // "out/model/" names "model" too
  return dir.filename().string();
}

}  // namespace longalign::cli
