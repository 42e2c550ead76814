#include "serve/client_chat.h"

#include <algorithm>

namespace longalign::serve {

namespace {

std::string string_or_empty(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Token counts past this are a broken server's, not a real answer's (2^40 tokens).
constexpr int64_t kMaxTokenCount = int64_t{1} << 40;

// A count from the server, or 0 when it is absent, not an integer or out of range: usage only
// informs, so a wrong count must not fail a call, and must not overflow the totals.
int64_t count_or_zero(const Json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return 0;
  if (it->is_number_unsigned()) return std::min(it->get<uint64_t>(), uint64_t(kMaxTokenCount));
  return std::clamp<int64_t>(it->get<int64_t>(), 0, kMaxTokenCount);
}

}  // namespace

Json chat_request_body(const ChatRequest& request, const std::string& model) {
  Json messages = Json::array();
  for (const ChatMessage& m : request.messages) {
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  Json body = {{"model", model}, {"messages", std::move(messages)}};
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.top_p) body["top_p"] = *request.top_p;
  if (request.max_tokens) body["max_tokens"] = *request.max_tokens;
  if (!request.stop.empty()) body["stop"] = request.stop;
  if (request.seed) body["seed"] = *request.seed;
  if (request.stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  return body;
}

void read_usage(const Json& usage_json, TokenUsage& usage) {
  if (!usage_json.is_object()) return;
  // Both terms are at most 2^40, so the sums cannot overflow before they are capped.
  usage.prompt_tokens =
      std::min(usage.prompt_tokens + count_or_zero(usage_json, "prompt_tokens"), kMaxTokenCount);
  usage.completion_tokens = std::min(
      usage.completion_tokens + count_or_zero(usage_json, "completion_tokens"), kMaxTokenCount);
}

ParsedChat parse_chat_response(std::string_view body) {
  ParsedChat parsed;
  const Json j = Json::parse(body.begin(), body.end(), nullptr, false);
  const auto choices = j.is_object() ? j.find("choices") : j.end();
  if (!j.is_object() || choices == j.end() || !choices->is_array() || choices->empty() ||
      !(*choices)[0].is_object()) {
    parsed.failure = error_info_from_body(200, body);
    parsed.failure.message = "malformed chat completion response: " + parsed.failure.message;
    return parsed;
  }
  const Json& choice = (*choices)[0];
  ChatResult result;
  if (const auto m = choice.find("message"); m != choice.end() && m->is_object()) {
    result.text = string_or_empty(*m, "content");
  }
  result.finish_reason = string_or_empty(choice, "finish_reason");
  if (const auto u = j.find("usage"); u != j.end()) read_usage(*u, result.usage);
  parsed.result = std::move(result);
  return parsed;
}

}  // namespace longalign::serve
