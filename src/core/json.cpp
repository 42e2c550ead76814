#include "core/json.h"

#include <algorithm>

#include "core/error.h"
#include "core/file_io.h"

namespace longalign {

namespace {

// nlohmann reports a byte offset; people want a line and column.
std::string line_and_column(std::string_view text, size_t byte) {
  byte = std::min(byte, text.size());
  const auto before = text.substr(0, byte);
  const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  const size_t last_newline = before.rfind('\n');
  const size_t column = last_newline == std::string_view::npos ? byte + 1 : byte - last_newline;
  return std::to_string(line) + ":" + std::to_string(column);
}

// nlohmann's message without its "[json.exception.parse_error.101] " tag and, for a parse error,
// its "parse error at line 1, column 2: " position (the caller gives a better one).
std::string reason_of(const Json::exception& e) {
  std::string reason = e.what();
  if (const size_t tag = reason.find("] "); tag != std::string::npos)
    reason = reason.substr(tag + 2);
  if (const size_t colon = reason.find(": ");
      dynamic_cast<const Json::parse_error*>(&e) && colon != std::string::npos) {
    reason = reason.substr(colon + 2);
  }
  return reason;
}

// Where the parse failed, as a byte offset. A number too large for a double ("1e400") is
// nlohmann's out_of_range 406, which carries no position but quotes the number: the first place
// the text holds it.
size_t failure_byte(std::string_view text, const Json::exception& e) {
  if (const auto* parse = dynamic_cast<const Json::parse_error*>(&e)) {
    return parse->byte > 0 ? parse->byte - 1 : 0;
  }
  const std::string what = e.what();
  const size_t open = what.find('\''), close = what.rfind('\'');
  if (open == std::string::npos || close <= open) return 0;
  const size_t at = text.find(std::string_view(what).substr(open + 1, close - open - 1));
  return at == std::string_view::npos ? 0 : at;
}

// Parses `text`; the failure's position goes to `locate`, which gives the text put after `where`.
template <typename Locate>
Json parse_located(std::string_view text, const std::string& where, Locate locate) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    throw Error(where + locate(failure_byte(text, e)) + ": malformed JSON: " + reason_of(e));
  }
}

}  // namespace

Json parse_json(std::string_view text, const std::string& where) {
  return parse_located(text, where, [&](size_t byte) { return ":" + line_and_column(text, byte); });
}

Json parse_json_line(std::string_view line, const std::string& where) {
  return parse_located(line, where,
                       [](size_t byte) { return ": column " + std::to_string(byte + 1); });
}

Json read_json_file(const std::filesystem::path& path) {
  return parse_json(read_file(path), path.string());
}

const Json& json_field(const Json& object, const char* key, const std::string& where) {
  if (!object.is_object()) throw Error(where + ": expected an object");
  const auto it = object.find(key);
  if (it == object.end()) throw Error(where + ": missing field \"" + key + "\"");
  return *it;
}

std::string json_string(const Json& object, const char* key, const std::string& where) {
  const Json& value = json_field(object, key, where);
  if (!value.is_string()) throw Error(where + ": field \"" + key + "\" must be a string");
  return value.get<std::string>();
}

bool json_bool_or(const Json& object, const char* key, bool fallback, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw Error(where + ": field \"" + key + "\" must be true or false");
  return it->get<bool>();
}

}  // namespace longalign
