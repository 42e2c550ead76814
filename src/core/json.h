// JSON parsing with errors that name the file, line and column, and typed field access that
// names the field.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace longalign {

using Json = nlohmann::json;

// Parses `text`; on failure throws Error("<where>:<line>:<column>: malformed JSON: <reason>").
// A number too large for a double (1e400) is such a failure too, not infinity.
Json parse_json(std::string_view text, const std::string& where);

// One line of a JSONL file, whose `where` already names the file and line ("data.jsonl:12"): on
// failure Error("<where>: column <column>: malformed JSON: <reason>").
Json parse_json_line(std::string_view line, const std::string& where);

// Reads and parses a JSON file.
Json read_json_file(const std::filesystem::path& path);

// Field access for configuration objects: `where` names the object in the message, for
// example "tokenizer.json: model".
const Json& json_field(const Json& object, const char* key, const std::string& where);
std::string json_string(const Json& object, const char* key, const std::string& where);
bool json_bool_or(const Json& object, const char* key, bool fallback, const std::string& where);

}  // namespace longalign
