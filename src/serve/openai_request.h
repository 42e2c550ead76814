// The body of POST /v1/chat/completions and POST /v1/completions, checked field by field into
// what the server needs to run it. Every refusal is an ApiError 400 that names the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "data/chat_record.h"
#include "infer/generation.h"

namespace longalign::serve {

enum class Endpoint { chat, completion };

// Limits on what one request may ask for (docs/SERVE.md, "Limits"); past them it is refused with
// 400 naming the field. They bound the work a request makes the server do before it is queued:
// the template renders every message, and the stop matcher checks every stop string at every
// token.
inline constexpr size_t kMaxMessages = 1024;
inline constexpr size_t kMaxStopStrings = 16;
inline constexpr size_t kMaxStopBytes = 1024;

struct CompletionRequest {
  Endpoint endpoint = Endpoint::chat;
  std::string model;
  // chat: system turns, then user and assistant turns alternating, ending with a user turn.
  std::vector<data::ChatMessage> messages;
  std::string prompt;              // completion: the text to continue
  infer::SamplingParams sampling;  // its seed is `seed` when given
  std::optional<uint64_t> seed;
  std::optional<int64_t> max_tokens;  // max_completion_tokens, else max_tokens
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

// The request body as a JSON object; ApiError 400 for malformed JSON or another JSON value.
Json parse_body(std::string_view body);

// Reads and checks the fields of `body` for `endpoint`. Unknown fields are ignored, as OpenAI's
// compatible servers do; known OpenAI fields this server cannot honour (n > 1, logprobs,
// penalties, tools, ...) are refused unless they hold their neutral value.
CompletionRequest parse_completion_request(const Json& body, Endpoint endpoint);

}  // namespace longalign::serve
