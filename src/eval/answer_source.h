// Where the answers under evaluation come from: a model folder run in this process, or any
// OpenAI-compatible endpoint (vLLM, `longalign serve`, a hosted API). Both cut long prompts the
// same way (prompt_truncation.h), answer greedily with the same limits and are safe to call from
// several threads at once.
#pragma once

#include <cstdint>
#include <string>

namespace longalign::eval {

struct Answer {
  std::string text;           // leading and trailing whitespace removed
  int64_t prompt_tokens = 0;  // what the model read, chat template included
  int64_t completion_tokens = 0;
  bool truncated = false;  // the prompt lost its middle
};

// LongBench-Chat's published script: prompts cut to 64000 tokens, up to 1024 new tokens, and
// Hugging Face's generate() without sampling, i.e. greedy.
struct AnswerSettings {
  int64_t max_length = 64000;  // prompt tokens kept at most, before the chat template
  int64_t max_new_tokens = 1024;
  uint64_t seed = 42;   // passed along; greedy decoding does not draw
  int concurrency = 1;  // answers generated at once
};

class AnswerSource {
 public:
  virtual ~AnswerSource() = default;
  // The answer to `prompt`, sent as one user message. Throws Error when none can be had.
  virtual Answer answer(const std::string& prompt) = 0;
};

// Whitespace (as Python's str.strip() sees ASCII) trimmed from both ends.
std::string strip_answer(const std::string& text);

}  // namespace longalign::eval
