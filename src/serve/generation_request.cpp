#include "serve/generation_request.h"

#include <algorithm>
#include <string>

#include "serve/api_error.h"

namespace longalign::serve {

namespace {

std::vector<int32_t> prompt_ids(const CompletionRequest& request, const infer::ChatModel& model) {
  if (request.endpoint == Endpoint::chat) return infer::chat_prompt(model, request.messages);
  text::EncodeOptions options;
  options.add_special = true;  // the BOS the model was trained to start from
  const std::vector<text::TokenId> ids = model.tokenizer->encode(request.prompt, options);
  return std::vector<int32_t>(ids.begin(), ids.end());
}

}  // namespace

infer::GenerationRequest generation_request(const CompletionRequest& request,
                                            const infer::ChatModel& model, int64_t max_context,
                                            int64_t max_prompt_length, uint64_t seed) {
  const char* prompt_field = request.endpoint == Endpoint::chat ? "messages" : "prompt";
  infer::GenerationRequest g;
  g.prompt = prompt_ids(request, model);
  if (max_prompt_length > 0) {
    const int64_t keep = std::min(max_prompt_length, max_context - 1);
    g.prompt = infer::middle_truncate(std::move(g.prompt), static_cast<size_t>(keep));
  }
  if (g.prompt.empty()) throw invalid_field(prompt_field, "the prompt has no tokens");
  const int64_t room = max_context - static_cast<int64_t>(g.prompt.size());
  if (room < 1) {
    throw ApiError(400,
                   "This model's maximum context length is " + std::to_string(max_context) +
                       " tokens, but the prompt has " + std::to_string(g.prompt.size()) +
                       " tokens, which leaves no room for an answer.",
                   "invalid_request_error", prompt_field, "context_length_exceeded");
  }
  const int64_t fallback = request.endpoint == Endpoint::chat ? room : kDefaultCompletionTokens;
  g.max_new_tokens = std::min(request.max_tokens.value_or(fallback), room);
  g.sampling = request.sampling;
  g.sampling.seed = seed;
  g.stop_tokens = model.stop_tokens;
  g.stop_strings = request.stop;
  return g;
}

}  // namespace longalign::serve
