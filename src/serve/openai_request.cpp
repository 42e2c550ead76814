#include "serve/openai_request.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "serve/api_error.h"

namespace longalign::serve {

namespace {

// The field `key` of `body`, or nullptr when it is absent or null: clients send null for
// "not set" as often as they leave a field out.
const Json* field(const Json& body, const char* key) {
  const auto it = body.find(key);
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

double number_in(const Json& body, const char* key, double low, double high, bool low_open,
                 double fallback) {
  const Json* value = field(body, key);
  if (!value) return fallback;
  if (!value->is_number()) throw invalid_field(key, "must be a number");
  const double x = value->get<double>();
  if (x < low || x > high || (low_open && x == low)) {
    throw invalid_field(key, "must be in " + std::string(low_open ? "(" : "[") + Json(low).dump() +
                                 ", " + Json(high).dump() + "], got " + value->dump());
  }
  return x;
}

std::optional<int64_t> integer_at_least(const Json& body, const char* key, int64_t low) {
  const Json* value = field(body, key);
  if (!value) return std::nullopt;
  if (!value->is_number_integer()) throw invalid_field(key, "must be an integer");
  if (value->is_number_unsigned() && value->get<uint64_t>() > uint64_t(INT64_MAX)) {
    throw invalid_field(key, "is too large");
  }
  const int64_t x = value->get<int64_t>();
  if (x < low) {
    throw invalid_field(key, "must be at least " + std::to_string(low) + ", got " + value->dump());
  }
  return x;
}

bool boolean(const Json& body, const char* key) {
  const Json* value = field(body, key);
  if (!value) return false;
  if (!value->is_boolean()) throw invalid_field(key, "must be true or false");
  return value->get<bool>();
}

// OpenAI fields whose only supported value is the neutral one.
void refuse_unsupported(const Json& body) {
  const auto refuse_if = [&](const char* key, bool unsupported) {
    if (unsupported) throw invalid_field(key, "is not supported by this server");
  };
  const auto holds = [&](const char* key, auto neutral) {
    const Json* value = field(body, key);
    return !value || *value == Json(neutral);
  };
  // An empty string, array or object, or no value.
  const auto blank = [&](const char* key) {
    const Json* value = field(body, key);
    if (!value) return true;
    return value->is_string() ? value->get_ref<const std::string&>().empty() : value->empty();
  };
  if (const Json* n = field(body, "n"); n && *n != Json(1)) {
    throw invalid_field("n", "only n = 1 is supported, got " + n->dump());
  }
  refuse_if("best_of", !holds("best_of", 1));
  refuse_if("presence_penalty", !holds("presence_penalty", 0));
  refuse_if("frequency_penalty", !holds("frequency_penalty", 0));
  refuse_if("logprobs", !holds("logprobs", false) && !holds("logprobs", 0));
  refuse_if("top_logprobs", !holds("top_logprobs", 0));
  refuse_if("echo", !holds("echo", false));
  refuse_if("suffix", !blank("suffix"));
  refuse_if("logit_bias", !blank("logit_bias"));
  refuse_if("tools", !blank("tools"));
  refuse_if("functions", !blank("functions"));
  if (const Json* format = field(body, "response_format")) {
    refuse_if("response_format", !format->is_object() || !format->contains("type") ||
                                     (*format)["type"] != Json("text"));
  }
}

std::string required_string(const Json& body, const char* key) {
  const Json* value = field(body, key);
  if (!value) throw invalid_field(key, "is required");
  if (!value->is_string()) throw invalid_field(key, "must be a string");
  return value->get<std::string>();
}

// A message's content: a string, or an array of {"type": "text", "text": ...} parts joined.
std::string message_content(const Json& message, const std::string& where) {
  const auto it = message.find("content");
  if (it == message.end() || it->is_null()) throw invalid_field(where, "is required");
  if (it->is_string()) return it->get<std::string>();
  if (!it->is_array()) throw invalid_field(where, "must be a string or an array of text parts");
  std::string text;
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& part = (*it)[i];
    const std::string part_where = where + "[" + std::to_string(i) + "]";
    if (!part.is_object() || !part.contains("type") || part["type"] != Json("text") ||
        !part.contains("text") || !part["text"].is_string()) {
      throw invalid_field(part_where,
                          "only text parts ({\"type\": \"text\", \"text\": ...}) are "
                          "supported");
    }
    text += part["text"].get<std::string>();
  }
  return text;
}

data::Role message_role(const Json& message, const std::string& where) {
  const auto it = message.find("role");
  if (it == message.end() || it->is_null()) throw invalid_field(where, "is required");
  if (!it->is_string()) throw invalid_field(where, "must be a string");
  const std::string role = it->get<std::string>();
  // "developer" is OpenAI's newer name for the system turn.
  if (role == "system" || role == "developer") return data::Role::system;
  if (role == "user") return data::Role::user;
  if (role == "assistant") return data::Role::assistant;
  throw invalid_field(where, "must be system, developer, user or assistant, got \"" + role + "\"");
}

// The chat templates render system turns first and then alternating user and assistant turns;
// the model answers the last user turn.
void check_turn_order(const std::vector<data::ChatMessage>& messages) {
  data::Role expected = data::Role::user;
  bool conversation_started = false;
  for (size_t i = 0; i < messages.size(); ++i) {
    const data::Role role = messages[i].role;
    const std::string where = "messages[" + std::to_string(i) + "].role";
    if (role == data::Role::system) {
      if (conversation_started) {
        throw invalid_field(where, "system messages must come before the conversation");
      }
      continue;
    }
    if (role != expected) {
      throw invalid_field(where,
                          "user and assistant messages must alternate, starting with "
                          "user; expected " +
                              std::string(data::role_name(expected)));
    }
    conversation_started = true;
    expected = role == data::Role::user ? data::Role::assistant : data::Role::user;
  }
  if (!conversation_started || expected != data::Role::assistant) {
    throw invalid_field("messages", "the last message must be a user message");
  }
}

std::vector<data::ChatMessage> parse_messages(const Json& body) {
  const Json* messages = field(body, "messages");
  if (!messages) throw invalid_field("messages", "is required");
  if (!messages->is_array() || messages->empty()) {
    throw invalid_field("messages", "must be a non-empty array");
  }
  if (messages->size() > kMaxMessages) {
    throw invalid_field("messages", "holds " + std::to_string(messages->size()) +
                                        " messages; the limit is " + std::to_string(kMaxMessages));
  }
  std::vector<data::ChatMessage> out;
  for (size_t i = 0; i < messages->size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    const Json& message = (*messages)[i];
    if (!message.is_object()) throw invalid_field(where, "must be an object");
    out.push_back(
        {message_role(message, where + ".role"), message_content(message, where + ".content")});
  }
  check_turn_order(out);
  return out;
}

// OpenAI accepts a list of prompts; this server answers one at a time.
std::string parse_prompt(const Json& body) {
  const Json* prompt = field(body, "prompt");
  if (!prompt) throw invalid_field("prompt", "is required");
  if (prompt->is_array() && prompt->size() == 1 && (*prompt)[0].is_string()) {
    return (*prompt)[0].get<std::string>();
  }
  if (!prompt->is_string()) throw invalid_field("prompt", "must be a string");
  return prompt->get<std::string>();
}

std::vector<std::string> parse_stop(const Json& body) {
  const Json* stop = field(body, "stop");
  if (!stop) return {};
  std::vector<std::string> out;
  if (stop->is_string()) {
    out.push_back(stop->get<std::string>());
  } else if (stop->is_array()) {
    for (const Json& s : *stop) {
      if (!s.is_string()) throw invalid_field("stop", "must be a string or an array of strings");
      out.push_back(s.get<std::string>());
    }
  } else {
    throw invalid_field("stop", "must be a string or an array of strings");
  }
  if (out.size() > kMaxStopStrings) {
    throw invalid_field("stop", std::to_string(out.size()) + " stop strings; the limit is " +
                                    std::to_string(kMaxStopStrings));
  }
  for (const std::string& s : out) {
    if (s.empty()) throw invalid_field("stop", "stop strings must not be empty");
    if (s.size() > kMaxStopBytes) {
      throw invalid_field("stop", "a stop string of " + std::to_string(s.size()) +
                                      " bytes; the limit is " + std::to_string(kMaxStopBytes));
    }
  }
  return out;
}

infer::SamplingParams parse_sampling(const Json& body) {
  infer::SamplingParams s;
  s.temperature = number_in(body, "temperature", 0.0, 2.0, false, s.temperature);
  s.top_p = number_in(body, "top_p", 0.0, 1.0, true, s.top_p);
  // -1 is how vLLM's clients say "off"; this sampler says 0.
  s.top_k = std::max<int64_t>(integer_at_least(body, "top_k", -1).value_or(s.top_k), 0);
  s.min_p = number_in(body, "min_p", 0.0, 1.0, false, s.min_p);
  s.repetition_penalty =
      number_in(body, "repetition_penalty", 0.0, 10.0, true, s.repetition_penalty);
  return s;
}

}  // namespace

Json parse_body(std::string_view body) {
  Json parsed = Json::parse(body.begin(), body.end(), nullptr, false);
  if (parsed.is_discarded()) {
    throw ApiError(400, "the request body is not valid JSON", "invalid_request_error");
  }
  if (!parsed.is_object()) {
    throw ApiError(400, "the request body must be a JSON object", "invalid_request_error");
  }
  return parsed;
}

CompletionRequest parse_completion_request(const Json& body, Endpoint endpoint) {
  refuse_unsupported(body);
  CompletionRequest r;
  r.endpoint = endpoint;
  r.model = required_string(body, "model");
  if (endpoint == Endpoint::chat) {
    r.messages = parse_messages(body);
  } else {
    r.prompt = parse_prompt(body);
  }
  r.sampling = parse_sampling(body);
  if (const Json* seed = field(body, "seed")) {
    if (!seed->is_number_integer()) throw invalid_field("seed", "must be an integer");
    // A negative seed is as good a stream as any: take its two's complement bits.
    r.seed = seed->is_number_unsigned() ? seed->get<uint64_t>()
                                        : static_cast<uint64_t>(seed->get<int64_t>());
  }
  r.max_tokens = integer_at_least(body, "max_completion_tokens", 1);
  if (!r.max_tokens) r.max_tokens = integer_at_least(body, "max_tokens", 1);
  r.stop = parse_stop(body);
  r.stream = boolean(body, "stream");
  if (const Json* options = field(body, "stream_options")) {
    if (!r.stream) throw invalid_field("stream_options", "is only allowed when stream is true");
    if (!options->is_object()) throw invalid_field("stream_options", "must be an object");
    const Json* usage = field(*options, "include_usage");
    if (usage && !usage->is_boolean()) {
      throw invalid_field("stream_options.include_usage", "must be true or false");
    }
    r.include_usage = usage && usage->get<bool>();
  }
  return r;
}

}  // namespace longalign::serve
