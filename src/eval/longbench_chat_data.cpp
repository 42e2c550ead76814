#include "eval/longbench_chat_data.h"

#include <set>

#include "core/error.h"
#include "core/file_io.h"
#include "core/json.h"

namespace longalign::eval {
namespace {

const Json& field(const Json& object, const char* key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) throw Error(where + ": field \"" + key + "\" is missing");
  return *it;
}

std::string string_field(const Json& object, const char* key, const std::string& where) {
  const Json& v = field(object, key, where);
  if (!v.is_string()) throw Error(where + ": field \"" + key + "\" must be a string");
  return v.get<std::string>();
}

ChatCase read_case(const Json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected a JSON object");
  const Json& idx = field(j, "idx", where);
  if (!idx.is_number_integer() || idx.get<int64_t>() < 1) {
    throw Error(where + ": field \"idx\" must be a positive integer");
  }
  ChatCase c;
  c.idx = idx.get<int64_t>();
  c.query = string_field(j, "query", where);
  c.prompt = string_field(j, "prompt", where);
  c.answer = string_field(j, "answer", where);
  return c;
}

// The records of a JSON array, or of JSONL, each with the place an error should name.
std::vector<std::pair<Json, std::string>> read_records(const std::filesystem::path& file) {
  const std::string text = read_file(file);
  const size_t first = text.find_first_not_of(" \t\r\n");
  std::vector<std::pair<Json, std::string>> records;
  if (first != std::string::npos && text[first] == '[') {
    const Json all = parse_json(text, file.string());
    for (size_t i = 0; i < all.size(); ++i) {
      records.emplace_back(all[i], file.string() + ": [" + std::to_string(i) + "]");
    }
    return records;
  }
  size_t line = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line;
    const std::string_view l(text.data() + start, end - start);
    if (l.find_first_not_of(" \t\r") != std::string_view::npos) {
      const std::string where = file.string() + ":" + std::to_string(line);
      records.emplace_back(parse_json_line(l, where), where);
    }
    start = end + 1;
  }
  return records;
}

// A score as Python's str.format would print it: integers without a point, other numbers as
// JSON writes them; a string is taken as it is.
std::string score_text(const Json& score, const std::string& where) {
  if (score.is_string()) return score.get<std::string>();
  if (!score.is_number()) throw Error(where + ": field \"score\" must be a number");
  return score.dump();
}

FewShotAnswer read_few_shot(const Json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected a JSON object");
  return {string_field(j, "answer", where), score_text(field(j, "score", where), where)};
}

}  // namespace

std::vector<ChatCase> read_test_cases(const std::filesystem::path& file) {
  std::vector<ChatCase> cases;
  std::set<int64_t> seen;
  for (const auto& [json, where] : read_records(file)) {
    cases.push_back(read_case(json, where));
    if (!seen.insert(cases.back().idx).second) {
      throw Error(where + ": field \"idx\": " + std::to_string(cases.back().idx) +
                  " appears twice");
    }
  }
  if (cases.empty()) throw Error(file.string() + ": holds no test cases");
  return cases;
}

void read_few_shots(const std::filesystem::path& file, std::vector<ChatCase>& cases) {
  const Json all = read_json_file(file);
  if (!all.is_array()) {
    throw Error(file.string() + ": expected an array whose entry idx - 1 holds idx's examples");
  }
  for (ChatCase& c : cases) {
    const std::string where = file.string() + ": [" + std::to_string(c.idx - 1) + "]";
    if (static_cast<size_t>(c.idx) > all.size()) {
      throw Error(where + ": missing: idx " + std::to_string(c.idx) + " needs " +
                  std::to_string(c.idx) + " entries, the file has " + std::to_string(all.size()));
    }
    const Json& shots = all[static_cast<size_t>(c.idx - 1)];
    if (!shots.is_array() || shots.size() != kFewShots) {
      throw Error(where + ": expected an array of " + std::to_string(kFewShots) +
                  " {\"answer\", \"score\"} objects");
    }
    for (size_t k = 0; k < kFewShots; ++k) {
      c.few_shots[k] = read_few_shot(shots[k], where + "[" + std::to_string(k) + "]");
    }
  }
}

LongBenchChatData load_longbench_chat(const std::filesystem::path& dir) {
  LongBenchChatData data;
  data.cases = read_test_cases(dir / "test_cases.json");
  read_few_shots(dir / "few_shots.json", data.cases);
  const std::filesystem::path prompt = dir / "prompt_fs.txt";
  data.judge_template = JudgeTemplate::parse(read_file(prompt), prompt.string());
  return data;
}

}  // namespace longalign::eval
