// One training conversation, read from a line of chat JSONL. Two layouts are accepted:
//   {"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}
//   {"conversations": [{"from": "system"|"human"|"gpt" (or "user"|"assistant"), "value": "..."}]}
// (the second is what ShareGPT exports). The whole JSON object is kept so that fields this
// program does not know are carried along.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace longalign::data {

enum class Role { system, user, assistant };

const char* role_name(Role role);

struct ChatMessage {
  Role role = Role::user;
  std::string content;
};

struct ChatRecord {
  // System messages first (any number), then user and assistant strictly alternating, starting
  // with user. A trailing user turn is allowed here; tokenizing drops it.
  std::vector<ChatMessage> messages;
  Json source;  // the original object, unknown fields included
};

// Parses one JSONL line. `where` names it in errors ("data.jsonl:12"); an error also names the
// field, for example `data.jsonl:12: messages[2].role: unknown role "bot"`.
ChatRecord parse_chat_record(std::string_view line, const std::string& where);

// The same from an already parsed object.
ChatRecord chat_record_from_json(Json object, const std::string& where);

}  // namespace longalign::data
