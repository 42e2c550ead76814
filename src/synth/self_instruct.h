// Self-instruct as LongAlign built LongAlign-10k: for each long document, ask a model for a
// numbered list of questions of one task type, pick one of them, ask the model to answer it with
// the document in context, and keep (document + question, answer) as a training sample.
//
// Requests run on a pool of workers through one OpenAiClient (which retries and limits what is in
// flight). Each finished sample is appended to the output at once, so a killed run loses only the
// samples in flight, and a resumed run makes only the samples the output lacks.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

#include "serve/openai_client.h"
#include "synth/documents.h"
#include "synth/self_instruct_plan.h"
#include "synth/self_instruct_prompts.h"
#include "synth/self_instruct_report.h"

namespace longalign::synth {

struct SelfInstructOptions {
  PlanOptions plan;
  PromptSet prompts = builtin_prompts();
  int questions = 5;                  // asked for; a reply with fewer is asked for again
  int question_attempts = 3;          // requests for a list before the document is skipped
  std::optional<double> temperature;  // unset: the server's default
  std::optional<int> question_max_tokens = 1024, answer_max_tokens = 2048;
  int workers = 8;  // samples made at once
  // The run stops (no new samples are started) once this many have failed, since that many
  // failures mean the endpoint is down or misconfigured; 0 never stops. The samples not made stay
  // out of the output, so --resume makes them later.
  int64_t max_failures = 10;
  // Continue an existing output: its samples are kept and not made again. Without it an existing
  // non-empty output is a UsageError, so a mistyped command cannot wipe a costly file.
  bool resume = false;
  bool terminal = false;  // progress as a bar redrawn in place
  std::chrono::milliseconds progress_interval{10'000};
  size_t measure_threads = 0;  // for tokenizing the documents; 0 = all cores
};

// Makes the samples and appends them to `output`; progress, warnings and the plan go to `log`.
// A run stopped by max_failures returns normally, with report.stopped saying why.
SelfInstructReport run_self_instruct(const std::vector<Document>& documents,
                                     const DocumentLength& length, serve::OpenAiClient& client,
                                     const std::filesystem::path& output,
                                     const SelfInstructOptions& options, std::ostream& log);

}  // namespace longalign::synth
