#include "eval/endpoint_answer_source.h"

#include <utility>

#include "eval/prompt_truncation.h"

namespace longalign::eval {
namespace {

serve::ClientOptions with_concurrency(serve::ClientOptions o, int concurrency) {
  o.max_concurrency = concurrency;
  return o;
}

}  // namespace

EndpointAnswerSource::EndpointAnswerSource(serve::ClientOptions client,
                                           const std::filesystem::path& tokenizer_dir,
                                           const AnswerSettings& settings)
    : settings_(settings),
      tokenizer_(tokenizer_dir.empty()
                     ? nullptr
                     : std::make_unique<text::Tokenizer>(text::Tokenizer::load(tokenizer_dir))),
      client_(with_concurrency(std::move(client), settings.concurrency)) {}

Answer EndpointAnswerSource::answer(const std::string& prompt) {
  const auto max_length = static_cast<size_t>(settings_.max_length);
  const TruncatedPrompt cut = tokenizer_ ? truncate_to_tokens(prompt, *tokenizer_, max_length)
                                         : truncate_to_estimated_tokens(prompt, max_length);
  serve::ChatRequest request;
  request.messages = {{"user", cut.text}};
  request.temperature = 0;
  request.max_tokens = static_cast<int>(settings_.max_new_tokens);
  request.seed = static_cast<int64_t>(settings_.seed);
  const serve::ChatResult result = client_.chat(request);
  return {strip_answer(result.text), result.usage.prompt_tokens, result.usage.completion_tokens,
          cut.truncated};
}

}  // namespace longalign::eval
