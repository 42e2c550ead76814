// How a checked API request becomes the scheduler's GenerationRequest: the prompt rendered with
// the model's chat template (or the completion prompt encoded), the answer's length limit, and
// the stop tokens and strings.
#pragma once

#include <cstdint>

#include "infer/chat_model.h"
#include "infer/generation.h"
#include "serve/openai_request.h"

namespace longalign::serve {

// A /v1/completions request without max_tokens gets OpenAI's default.
inline constexpr int64_t kDefaultCompletionTokens = 16;

// The prompt is first cut to `max_prompt_length` tokens (0: no limit; at most the context less
// one) by dropping its middle, as LongBench truncates. Throws ApiError 400
// "context_length_exceeded" when the prompt leaves no room for one token in `max_context`.
// max_tokens is capped at the room left (a chat request without one gets all of it), so a long
// answer ends with finish_reason "length" at the context's end.
infer::GenerationRequest generation_request(const CompletionRequest& request,
                                            const infer::ChatModel& model, int64_t max_context,
                                            int64_t max_prompt_length, uint64_t seed);

}  // namespace longalign::serve
