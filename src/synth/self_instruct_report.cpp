#include "synth/self_instruct_report.h"

#include <sstream>

namespace longalign::synth {

namespace {

constexpr std::array<std::string_view, kLengthBucketCount> kBucketNames = {
    "<8k", "8k-16k", "16k-32k", "32k-64k", "64k+"};
constexpr std::array<int64_t, kLengthBucketCount - 1> kBucketEnds = {8000, 16000, 32000, 64000};

Json counts_json(const SampleTally& t) {
  Json types = Json::object(), languages = Json::object(), lengths = Json::object();
  for (size_t i = 0; i < kTaskTypeCount; ++i) {
    types[std::string(task_type_name(static_cast<TaskType>(i)))] = t.by_type[i];
  }
  for (size_t i = 0; i < t.by_language.size(); ++i) {
    languages[std::string(language_name(static_cast<Language>(i)))] = t.by_language[i];
  }
  for (size_t i = 0; i < kLengthBucketCount; ++i) {
    lengths[std::string(kBucketNames[i])] = t.by_length[i];
  }
  return {{"samples", t.samples}, {"task_type", types}, {"lang", languages}, {"length", lengths}};
}

// "  general 3, summary 1, ..." from one of the tally's arrays and its names.
template <size_t N, typename Name>
std::string tally_line(std::string_view title, const std::array<int64_t, N>& counts, Name name) {
  std::string line = "  " + std::string(title) + ":";
  for (size_t i = 0; i < N; ++i) {
    line += (i ? ", " : " ") + std::string(name(i)) + " " + std::to_string(counts[i]);
  }
  return line + "\n";
}

}  // namespace

size_t length_bucket(int64_t tokens) {
  size_t b = 0;
  while (b < kBucketEnds.size() && tokens >= kBucketEnds[b]) ++b;
  return b;
}

std::string_view length_bucket_name(size_t bucket) {
  return kBucketNames[bucket];
}

void SampleTally::add(TaskType type, Language language, int64_t doc_tokens) {
  ++samples;
  ++by_type[static_cast<size_t>(type)];
  ++by_language[static_cast<size_t>(language)];
  ++by_length[length_bucket(doc_tokens)];
}

std::string report_text(const SelfInstructReport& r) {
  std::ostringstream out;
  out << "documents: " << r.documents << " read, " << r.too_short << " too short, " << r.too_long
      << " too long, " << r.repeated << " repeated\n"
      << "samples: " << r.planned << " to make (" << r.already_done
      << " already in the output): " << r.written << " written, " << r.too_few_questions
      << " skipped for too few questions, " << r.empty_answer << " skipped for an empty answer, "
      << r.failed << " failed\n"
      << "tokens: " << r.prompt_tokens << " prompt, " << r.completion_tokens << " completion\n"
      << (r.stopped.empty() ? "" : "stopped: " + r.stopped + "\n") << "output: " << r.output.samples
      << " samples\n"
      << tally_line("task type", r.output.by_type,
                    [](size_t i) { return task_type_name(static_cast<TaskType>(i)); })
      << tally_line("language", r.output.by_language,
                    [](size_t i) { return language_name(static_cast<Language>(i)); })
      << tally_line("length", r.output.by_length, length_bucket_name);
  return out.str();
}

Json report_json(const SelfInstructReport& r) {
  return {{"documents",
           {{"read", r.documents},
            {"too_short", r.too_short},
            {"too_long", r.too_long},
            {"repeated", r.repeated}}},
          {"samples",
           {{"already_done", r.already_done},
            {"planned", r.planned},
            {"written", r.written},
            {"too_few_questions", r.too_few_questions},
            {"empty_answer", r.empty_answer},
            {"failed", r.failed}}},
          {"tokens", {{"prompt", r.prompt_tokens}, {"completion", r.completion_tokens}}},
          {"stopped", r.stopped.empty() ? Json(nullptr) : Json(r.stopped)},
          {"output", counts_json(r.output)}};
}

}  // namespace longalign::synth
