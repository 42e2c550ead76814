#include "serve/openai_response.h"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>

namespace longalign::serve {

namespace {

// 96 random bits in hex: ids only need to be unique, not secret.
std::string random_hex() {
  static std::mutex mutex;
  static std::mt19937_64 rng{std::random_device{}()};
  const std::lock_guard lock(mutex);
  char buffer[25];
  std::snprintf(buffer, sizeof buffer, "%016llx%08llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng() & 0xffffffffu));
  return buffer;
}

const char* object_name(Endpoint endpoint) {
  return endpoint == Endpoint::chat ? "chat.completion" : "text_completion";
}

Json choice(const ResponseHead& head, Json content, const Json& finish_reason) {
  Json c = {{"index", 0}};
  if (head.endpoint == Endpoint::chat) {
    c["delta"] = std::move(content);
  } else {
    c["text"] = std::move(content);
  }
  c["logprobs"] = nullptr;
  c["finish_reason"] = finish_reason;
  return c;
}

// Chat chunks are "chat.completion.chunk"; streamed completions keep "text_completion".
Json chunk(const ResponseHead& head, Json choices, bool include_usage) {
  Json j = {
      {"id", head.id},
      {"object", head.endpoint == Endpoint::chat ? "chat.completion.chunk" : "text_completion"},
      {"created", head.created},
      {"model", head.model},
      {"choices", std::move(choices)}};
  if (include_usage) j["usage"] = nullptr;
  return j;
}

}  // namespace

ResponseHead new_response_head(Endpoint endpoint, const std::string& model) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return {endpoint, (endpoint == Endpoint::chat ? "chatcmpl-" : "cmpl-") + random_hex(),
          std::chrono::duration_cast<std::chrono::seconds>(now).count(), model};
}

Json usage_json(const infer::GenerationResult& result) {
  return {{"prompt_tokens", result.prompt_tokens},
          {"completion_tokens", result.completion_tokens},
          {"total_tokens", result.prompt_tokens + result.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", result.cached_tokens}}}};
}

Json completion_json(const ResponseHead& head, const infer::GenerationResult& result) {
  Json c = {{"index", 0}};
  if (head.endpoint == Endpoint::chat) {
    c["message"] = {{"role", "assistant"}, {"content", result.text}};
  } else {
    c["text"] = result.text;
  }
  c["logprobs"] = nullptr;
  c["finish_reason"] = infer::finish_reason_name(result.finish);
  return {{"id", head.id},
          {"object", object_name(head.endpoint)},
          {"created", head.created},
          {"model", head.model},
          {"choices", Json::array({std::move(c)})},
          {"usage", usage_json(result)}};
}

Json role_chunk(const ResponseHead& head, bool include_usage) {
  const Json delta = {{"role", "assistant"}, {"content", ""}};
  return chunk(head, Json::array({choice(head, delta, nullptr)}), include_usage);
}

Json text_chunk(const ResponseHead& head, const std::string& delta, bool include_usage) {
  Json content = head.endpoint == Endpoint::chat ? Json{{"content", delta}} : Json(delta);
  return chunk(head, Json::array({choice(head, std::move(content), nullptr)}), include_usage);
}

Json finish_chunk(const ResponseHead& head, infer::FinishReason finish, bool include_usage) {
  Json content = head.endpoint == Endpoint::chat ? Json::object() : Json("");
  return chunk(head,
               Json::array({choice(head, std::move(content), infer::finish_reason_name(finish))}),
               include_usage);
}

Json usage_chunk(const ResponseHead& head, const infer::GenerationResult& result) {
  Json j = chunk(head, Json::array(), false);
  j["usage"] = usage_json(result);
  return j;
}

Json model_json(const std::string& name, int64_t created, int64_t max_model_len) {
  return {{"id", name},
          {"object", "model"},
          {"created", created},
          {"owned_by", "longalign"},
          {"max_model_len", max_model_len}};
}

Json model_list_json(const std::string& name, int64_t created, int64_t max_model_len) {
  return {{"object", "list"}, {"data", Json::array({model_json(name, created, max_model_len)})}};
}

}  // namespace longalign::serve
