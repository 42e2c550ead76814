// Answers from an OpenAI-compatible endpoint. The server applies its own chat template; the
// prompt is cut here first, by the model's tokenizer when one is given, else by the character
// estimate of prompt_truncation.h.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "eval/answer_source.h"
#include "serve/openai_client.h"
#include "text/tokenizer.h"

namespace longalign::eval {

class EndpointAnswerSource : public AnswerSource {
 public:
  // An empty `tokenizer_dir` measures prompts by the estimate. The client keeps at most
  // settings.concurrency requests in flight, whatever client.max_concurrency says.
  EndpointAnswerSource(serve::ClientOptions client, const std::filesystem::path& tokenizer_dir,
                       const AnswerSettings& settings);

  // Greedy (temperature 0) with max_tokens and the seed; token counts are the server's usage.
  Answer answer(const std::string& prompt) override;

 private:
  AnswerSettings settings_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  serve::OpenAiClient client_;
};

}  // namespace longalign::eval
