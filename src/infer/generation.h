// What a generation request asks for and what it returns: the contract between the scheduler
// (src/infer/scheduler.h), the CLI's `generate` and `chat`, and the OpenAI-compatible server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace longalign::infer {

struct SamplingParams {
  double temperature = 1.0;         // 0 = greedy (argmax, ties to the lowest id)
  int64_t top_k = 0;                // 0 = off
  double top_p = 1.0;               // nucleus; 1 = off
  double min_p = 0.0;               // drop tokens below min_p x the top probability; 0 = off
  double repetition_penalty = 1.0;  // CTRL's: logits of tokens already in prompt or output
  uint64_t seed = 0;                // the request's own RNG stream
};

struct GenerationRequest {
  std::vector<int32_t> prompt;  // token ids, already templated and truncated; not empty
  SamplingParams sampling;
  int64_t max_new_tokens = 256;
  std::vector<int32_t> stop_tokens;       // generation ends on these (not included in the text)
  std::vector<std::string> stop_strings;  // ... or when the text contains one (text cut before it)
};

enum class FinishReason { stop, length, cancelled };

// "stop", "length" or "cancelled".
const char* finish_reason_name(FinishReason reason);

struct GenerationResult {
  std::vector<int32_t> tokens;  // generated ids, the stop token excluded
  std::string text;             // their text, cut before a stop string
  FinishReason finish = FinishReason::length;
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;      // prompt tokens taken from an earlier request's cache
  int64_t completion_tokens = 0;  // tokens sampled, a final stop token included
};

}  // namespace longalign::infer
