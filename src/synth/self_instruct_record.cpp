#include "synth/self_instruct_record.h"

#include "core/error.h"

namespace longalign::synth {

namespace {

const Json& field(const Json& record, const char* key, const std::string& where) {
  const auto it = record.find(key);
  if (it == record.end()) {
    throw Error(where + ": no \"" + key + "\": not a self-instruct record");
  }
  return *it;
}

std::string string_field(const Json& record, const char* key, const std::string& where) {
  const Json& value = field(record, key, where);
  if (!value.is_string()) throw Error(where + ": \"" + key + "\" must be a string");
  return value.get<std::string>();
}

}  // namespace

Json sample_record(const SampleJob& job, const std::string& source, const SampleContent& content) {
  return {{"messages",
           {{{"role", "user"}, {"content", content.user}},
            {{"role", "assistant"}, {"content", content.answer}}}},
          {"task_type", std::string(task_type_name(job.type))},
          {"source", source},
          {"lang", std::string(language_name(job.language))},
          {"doc_tokens", job.tokens},
          {"doc_hash", job.hash},
          {"question_candidates", content.candidates},
          {"question", content.question}};
}

RecordSummary summarize_record(const Json& record, const std::string& where) {
  RecordSummary s;
  const std::string type = string_field(record, "task_type", where);
  const auto parsed = find_task_type(type);
  if (!parsed) throw Error(where + ": unknown task_type \"" + type + "\"");
  s.key = {string_field(record, "doc_hash", where), *parsed};
  const std::string lang = string_field(record, "lang", where);
  if (lang != "en" && lang != "zh") throw Error(where + ": unknown lang \"" + lang + "\"");
  s.language = lang == "zh" ? Language::kChinese : Language::kEnglish;
  const Json& tokens = field(record, "doc_tokens", where);
  if (!tokens.is_number_integer()) throw Error(where + ": \"doc_tokens\" must be an integer");
  s.doc_tokens = tokens.get<int64_t>();
  return s;
}

}  // namespace longalign::synth
