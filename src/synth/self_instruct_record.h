// The chat JSONL record of one self-instruct sample, written and read back on resume:
//   {"messages": [{"role": "user", "content": <training prompt: document + question>},
//                 {"role": "assistant", "content": <answer>}],
//    "task_type", "source", "lang", "doc_tokens", "doc_hash", "question_candidates", "question"}
// `longalign data prepare` reads "messages" and carries the other fields along.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "synth/self_instruct_plan.h"

namespace longalign::synth {

struct SampleContent {
  std::string user;      // the training prompt
  std::string answer;    // the model's answer
  std::string question;  // the question answered, one of the candidates
  std::vector<std::string> candidates;
};

Json sample_record(const SampleJob& job, const std::string& source, const SampleContent& content);

// What resuming needs from a record already in the output.
struct RecordSummary {
  SampleKey key;  // doc_hash and task type
  Language language = Language::kEnglish;
  int64_t doc_tokens = 0;
};

// Throws Error naming `where` when a field is missing or malformed: the file was not written by
// self-instruct, and appending to it would mix two kinds of data.
RecordSummary summarize_record(const Json& record, const std::string& where);

}  // namespace longalign::synth
