// Which samples a self-instruct run makes: for each document, whether it is used (length within
// limits, not a repeat, not already in the output), its language, and its task type, drawn from
// the document's hash and the seed alone. The draws do not depend on the order documents are
// read or finished in, so --concurrency and --resume leave every sample as it would have been.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "synth/documents.h"
#include "synth/language.h"
#include "synth/self_instruct_prompts.h"

namespace longalign::synth {

struct PlanOptions {
  std::vector<TaskType> types;  // drawn from uniformly; at least one
  int64_t min_tokens = 8000, max_tokens = 64000;
  // A document longer than this many tokens gets a second sample of another task type (0: none),
  // as LongAlign upsampled its long documents. Needs at least two types.
  int64_t upsample_above = 0;
  uint64_t seed = 0;
};

struct SampleJob {
  size_t document = 0;  // index into the documents
  std::string hash;     // document_hash of its text
  uint64_t hash_value = 0;
  TaskType type = TaskType::kGeneral;
  Language language = Language::kEnglish;
  int64_t tokens = 0;
};

// A sample already in the output: its document's hash and task type.
using SampleKey = std::pair<std::string, TaskType>;

struct SelfInstructPlan {
  std::vector<SampleJob> jobs;                        // in document order
  int64_t too_short = 0, too_long = 0, repeated = 0;  // documents
  int64_t already_done = 0;                           // samples found in the output
};

// `lengths[i]` is the measured length of documents[i].
SelfInstructPlan plan_samples(const std::vector<Document>& documents,
                              const std::vector<int64_t>& lengths, const PlanOptions& options,
                              const std::set<SampleKey>& done);

// The task type of a document's sample (0, or 1 for the upsampled second one, which never repeats
// the first's type).
TaskType draw_task_type(uint64_t hash_value, uint64_t seed, const std::vector<TaskType>& types,
                        int sample);

// Which of `count` candidate questions a sample answers.
size_t draw_question(uint64_t hash_value, uint64_t seed, TaskType type, size_t count);

// The seed sent with a request, so a server that honours seeds gives the same reply again; each
// attempt at the question list gets its own, so a retry is not a replay of a failed reply.
int64_t request_seed(uint64_t hash_value, uint64_t seed, TaskType type, int attempt);

}  // namespace longalign::synth
