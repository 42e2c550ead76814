// A chat completion as the OpenAI client sends and receives it, and its JSON wire form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "serve/client_error.h"

namespace longalign::serve {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> max_tokens;
  std::vector<std::string> stop;
  std::optional<int64_t> seed;
  bool stream = false;
};

struct TokenUsage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

struct ChatResult {
  std::string text;
  std::string finish_reason;  // "stop", "length", ...; empty when the server gave none
  TokenUsage usage;           // zero when the server reported none
};

// The /chat/completions body. Options left unset are left out, so the server's defaults apply.
// A stream asks for a final usage chunk (stream_options.include_usage).
Json chat_request_body(const ChatRequest& request, const std::string& model);

// Reads a non-streamed response body: the first choice's message and finish reason, and usage.
// A body that is not such JSON yields the failure instead.
struct ParsedChat {
  std::optional<ChatResult> result;
  ClientErrorInfo failure;
};
ParsedChat parse_chat_response(std::string_view body);

// Adds a usage object's counts ({"prompt_tokens", "completion_tokens"}) to `usage`; ignores null.
void read_usage(const Json& usage_json, TokenUsage& usage);

}  // namespace longalign::serve
