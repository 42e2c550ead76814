// What a self-instruct run did and what its output holds: documents and samples counted by why
// they were skipped, samples by task type, language and document length, and the tokens used.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "synth/language.h"
#include "synth/self_instruct_prompts.h"

namespace longalign::synth {

// Document lengths in buckets of k = 1000 tokens, the unit of LongAlign's "8k-64k":
// "<8k", "8k-16k", "16k-32k", "32k-64k", "64k+".
inline constexpr size_t kLengthBucketCount = 5;
size_t length_bucket(int64_t tokens);
std::string_view length_bucket_name(size_t bucket);

// Samples by task type, language and length bucket.
struct SampleTally {
  int64_t samples = 0;
  std::array<int64_t, kTaskTypeCount> by_type{};
  std::array<int64_t, 2> by_language{};  // en, zh
  std::array<int64_t, kLengthBucketCount> by_length{};

  void add(TaskType type, Language language, int64_t doc_tokens);
};

struct SelfInstructReport {
  // Documents read, and those not used: outside the length limits, or a repeat of an earlier one.
  int64_t documents = 0, too_short = 0, too_long = 0, repeated = 0;
  int64_t already_done = 0;  // samples found in the output when resuming
  int64_t planned = 0;       // samples this run set out to make
  // How they ended: written; skipped because the model gave too few questions after every
  // attempt, or an empty answer; failed because a request failed for good.
  int64_t written = 0, too_few_questions = 0, empty_answer = 0, failed = 0;
  int64_t prompt_tokens = 0, completion_tokens = 0;
  std::string stopped;  // why the run stopped before making every sample; empty when it did not
  SampleTally output;   // every sample in the output file, earlier runs' included
};

// A few lines for the terminal.
std::string report_text(const SelfInstructReport& report);

// {"documents": {"read", "too_short", "too_long", "repeated"}, "samples": {"already_done",
//  "planned", "written", "too_few_questions", "empty_answer", "failed"}, "tokens": {"prompt",
//  "completion"}, "stopped": "..." or null, "output": {"samples", "task_type": {...}, "lang":
//  {...}, "length": {...}}}
Json report_json(const SelfInstructReport& report);

}  // namespace longalign::synth
