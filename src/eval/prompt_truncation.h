// LongBench-Chat's prompts run to 100k tokens; a model gets at most --max-length of them. As the
// published script does, the prompt's text is cut in the middle (its first and last halves kept)
// before the chat template is applied, so the question at the end survives.
#pragma once

#include <cstddef>
#include <string>

#include "text/tokenizer.h"

namespace longalign::eval {

struct TruncatedPrompt {
  std::string text;
  bool truncated = false;
};

// Measured with the model's tokenizer (special-token strings in the text count as plain text):
// a prompt over `max_length` tokens keeps its first max_length / 2 tokens and its last
// max_length - max_length / 2, decoded back to text.
TruncatedPrompt truncate_to_tokens(const std::string& prompt, const text::Tokenizer& tokenizer,
                                   size_t max_length);

// For an endpoint whose tokenizer is not at hand: tokens are estimated as one per CJK ideograph
// and one per four other characters (code points), about what Llama- and GLM-family tokenizers
// give for Chinese and English text. Halves are kept by the same estimate.
TruncatedPrompt truncate_to_estimated_tokens(const std::string& prompt, size_t max_length);

}  // namespace longalign::eval
