#include "data/chat_record.h"

#include <utility>

#include "core/error.h"

namespace longalign::data {

const char* role_name(Role role) {
  switch (role) {
    case Role::system:
      return "system";
    case Role::user:
      return "user";
    case Role::assistant:
      return "assistant";
  }
  return "?";
}

namespace {

// The role names of both layouts: "human" and "gpt" are ShareGPT's.
bool role_from_name(const std::string& name, Role& role) {
  if (name == "system") {
    role = Role::system;
  } else if (name == "user" || name == "human") {
    role = Role::user;
  } else if (name == "assistant" || name == "gpt") {
    role = Role::assistant;
  } else {
    return false;
  }
  return true;
}

}  // namespace

ChatRecord chat_record_from_json(Json object, const std::string& where) {
  if (!object.is_object()) throw Error(where + ": a chat record must be a JSON object");
  const char* list_key = "messages";
  const char* role_key = "role";
  const char* content_key = "content";
  if (!object.contains("messages") && object.contains("conversations")) {
    list_key = "conversations";
    role_key = "from";
    content_key = "value";
  }
  const auto list = object.find(list_key);
  if (list == object.end()) {
    throw Error(where + ": missing \"messages\" (or ShareGPT's \"conversations\")");
  }
  if (!list->is_array()) throw Error(where + ": " + list_key + ": must be an array");

  ChatRecord record;
  record.messages.reserve(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& message = (*list)[i];
    const std::string field = std::string(list_key) + "[" + std::to_string(i) + "]";
    if (!message.is_object()) throw Error(where + ": " + field + ": must be an object");
    const auto role_it = message.find(role_key);
    if (role_it == message.end()) throw Error(where + ": " + field + "." + role_key + ": missing");
    if (!role_it->is_string()) {
      throw Error(where + ": " + field + "." + role_key + ": must be a string");
    }
    ChatMessage parsed;
    const std::string name = role_it->get<std::string>();
    if (!role_from_name(name, parsed.role)) {
      throw Error(where + ": " + field + "." + role_key + ": unknown role \"" + name + "\"");
    }
    const auto content_it = message.find(content_key);
    if (content_it == message.end()) {
      throw Error(where + ": " + field + "." + content_key + ": missing");
    }
    // null is read as empty text, as LongAlign's preprocessing does.
    if (content_it->is_string()) {
      parsed.content = content_it->get<std::string>();
    } else if (!content_it->is_null()) {
      throw Error(where + ": " + field + "." + content_key + ": must be a string");
    }
    // System messages only before the conversation; then user, assistant, user, ...
    const bool started = !record.messages.empty() && record.messages.back().role != Role::system;
    const Role expected = !started                                    ? Role::user
                          : record.messages.back().role == Role::user ? Role::assistant
                                                                      : Role::user;
    if (parsed.role == Role::system ? started : parsed.role != expected) {
      throw Error(where + ": " + field + "." + role_key + ": expected " +
                  (started ? std::string(role_name(expected)) : std::string("system or user")) +
                  " here, found \"" + name + "\"");
    }
    record.messages.push_back(std::move(parsed));
  }
  record.source = std::move(object);
  return record;
}

ChatRecord parse_chat_record(std::string_view line, const std::string& where) {
  return chat_record_from_json(parse_json_line(line, where), where);
}

}  // namespace longalign::data
