#include "cli/generation_options.h"

#include <algorithm>

#include "core/error.h"
#include "infer/engine.h"
#include "infer/sampler.h"

namespace longalign::cli {

void add_generation_options(CLI::App& cmd, GenerationArgs& a) {
  infer::SamplingParams& s = a.sampling;
  cmd.add_option("--model", a.model, "Model folder (config.json, weights, tokenizer)")->required();
  cmd.add_option("--template", a.template_name,
                 "Chat template (llama2, chatglm3, llama3, chatml, mistral, plain, "
                 "chatglm3-roles); default: detected from the tokenizer and model type");
  cmd.add_option("--system", a.system, "System message");
  cmd.add_option("--max-new-tokens", a.max_new_tokens, "Tokens to generate at most (default 256)");
  cmd.add_option("--temperature", s.temperature, "0 = greedy (default 1)");
  cmd.add_option("--top-k", s.top_k, "Keep the k most likely tokens (0 = off)");
  cmd.add_option("--top-p", s.top_p, "Nucleus sampling (1 = off)");
  cmd.add_option("--min-p", s.min_p, "Drop tokens below min-p x the top probability (0 = off)");
  cmd.add_option("--repetition-penalty", s.repetition_penalty, "CTRL's penalty (1 = off)");
  cmd.add_option("--seed", s.seed, "Seed of the sampling");
  cmd.add_option("--stop", a.stop, "Stop string (repeatable); the text ends before it");
  cmd.add_option("--max-length", a.max_length,
                 "Prompt tokens kept at most, from its middle out (default: the model's context "
                 "less --max-new-tokens)");
  cmd.add_option("--dtype", a.dtype, "Matrix products: bf16 (default) or fp32");
  cmd.add_option("--kv-dtype", a.kv_dtype, "KV cache storage: bf16 (default) or fp32");
}

infer::ChatModel load_model(const GenerationArgs& a) {
  infer::EngineOptions o;
  o.precision = model::parse_precision(a.dtype);
  o.kv_dtype = infer::parse_kv_dtype(a.kv_dtype);
  if (a.max_new_tokens < 1) throw UsageError("--max-new-tokens must be at least 1");
  if (a.max_length < 0) throw UsageError("--max-length must not be negative");
  infer::validate_sampling(a.sampling);
  return infer::load_chat_model(a.model, a.template_name, o);
}

infer::GenerationRequest make_request(const GenerationArgs& a, const infer::ChatModel& model,
                                      std::vector<int32_t> prompt) {
  const int64_t context = model.engine->max_context();
  const int64_t room = std::max<int64_t>(1, context - a.max_new_tokens);
  const int64_t limit = a.max_length > 0 ? std::min(a.max_length, context - 1) : room;
  infer::GenerationRequest r;
  r.prompt = infer::middle_truncate(std::move(prompt), static_cast<size_t>(limit));
  r.sampling = a.sampling;
  r.max_new_tokens = a.max_new_tokens;
  r.stop_tokens = model.stop_tokens;
  r.stop_strings = a.stop;
  return r;
}

}  // namespace longalign::cli
