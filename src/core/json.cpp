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

}  // namespace

Json parse_json(std::string_view text, const std::string& where) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    std::string reason = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix.
    if (const size_t colon = reason.find(": "); colon != std::string::npos) {
      reason = reason.substr(colon + 2);
    }
    const size_t byte = e.byte > 0 ? e.byte - 1 : 0;
    throw Error(where + ":" + line_and_column(text, byte) + ": malformed JSON: " + reason);
  }
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
