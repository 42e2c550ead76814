#include "eval/predictions.h"

#include <sstream>

#include "core/error.h"
#include "core/file_io.h"
#include "core/json.h"

namespace longalign::eval {

namespace {

const Json& required(const Json& record, const std::string& field, const std::string& where) {
  const auto it = record.find(field);
  if (it == record.end()) throw Error(where + ": field \"" + field + "\" is missing");
  return *it;
}

std::string string_field(const Json& record, const std::string& field, const std::string& where) {
  const Json& v = required(record, field, where);
  if (!v.is_string()) throw Error(where + ": field \"" + field + "\" must be a string");
  return v.get<std::string>();
}

std::vector<std::string> strings_field(const Json& record, const std::string& field,
                                       const std::string& where) {
  const Json& v = required(record, field, where);
  if (v.is_string()) return {v.get<std::string>()};
  const std::string wrong =
      where + ": field \"" + field + "\" must be a string or an array of strings";
  if (!v.is_array()) throw Error(wrong);
  std::vector<std::string> out;
  for (const Json& e : v) {
    if (!e.is_string()) throw Error(wrong);
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::optional<double> optional_number(const Json& record, const std::string& field,
                                      const std::string& where) {
  const auto it = record.find(field);
  if (it == record.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) throw Error(where + ": field \"" + field + "\" must be a number");
  return it->get<double>();
}

PredictionRecord read_record(const std::string& line, size_t number, const std::string& where,
                             const PredictionFields& fields) {
  const Json j = parse_json_line(line, where);
  if (!j.is_object()) throw Error(where + ": expected a JSON object");
  PredictionRecord r;
  r.line = number;
  r.prediction = string_field(j, fields.pred, where);
  r.answers = strings_field(j, fields.answers, where);
  r.length = optional_number(j, fields.length, where);
  if (fields.need_classes) r.classes = strings_field(j, fields.classes, where);
  return r;
}

}  // namespace

std::vector<PredictionRecord> read_predictions(const std::filesystem::path& file,
                                               const PredictionFields& fields) {
  std::istringstream in(read_file(file));
  std::vector<PredictionRecord> records;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    records.push_back(
        read_record(line, number, file.string() + ":" + std::to_string(number), fields));
  }
  return records;
}

}  // namespace longalign::eval
