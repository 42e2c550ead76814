// The options `generate` and `chat` share: the model, the template, sampling, limits and
// precisions, and how they become an engine and a request.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "infer/chat_model.h"
#include "infer/generation.h"

namespace longalign::cli {

struct GenerationArgs {
  std::string model, template_name, system, dtype = "bf16", kv_dtype = "bf16";
  int64_t max_new_tokens = 256;
  int64_t max_length = 0;  // 0: the model's context less max_new_tokens
  infer::SamplingParams sampling;
  std::vector<std::string> stop;
};

void add_generation_options(CLI::App& cmd, GenerationArgs& args);

// The model folder loaded with the template and precisions asked for.
infer::ChatModel load_model(const GenerationArgs& args);

// A request for `prompt`, middle-truncated to the prompt length allowed, with the model's stop
// tokens and the options' sampling, limits and stop strings.
infer::GenerationRequest make_request(const GenerationArgs& args, const infer::ChatModel& model,
                                      std::vector<int32_t> prompt);

}  // namespace longalign::cli
