// `longalign eval tasks`: a model answers the records of a synthetic task file (made by
// `longalign synth tasks`: chat JSONL with "task", "length" and "answer"), each reply is scored by
// string match, and accuracy is reported per task and per length. Results go to
// OUT/results.jsonl as they finish, so a rerun skips the records already answered.
#pragma once

#include <cstddef>
#include <filesystem>

#include "core/json.h"
#include "eval/answer_match.h"
#include "eval/answer_source.h"
#include "train/accuracy_table.h"

namespace longalign::eval {

struct TaskEvalOptions {
  std::filesystem::path data;    // the task JSONL
  std::filesystem::path output;  // the folder of results.jsonl, accuracy.json, accuracy.txt
  MatchMode match = MatchMode::kContains;
  size_t concurrency = 1;  // records answered at once
};

struct TaskEvalReport {
  train::AccuracyTable table;
  size_t reused = 0;    // records found in results.jsonl
  size_t computed = 0;  // records answered by this run
};

// Each record's user message goes to `source`. Throws Error naming the line for a record that is
// not one user message (and optionally the assistant's answer) with a string "task" and "answer"
// (an integer "length" is optional: 0 when absent), and when results.jsonl was made from other
// data.
TaskEvalReport run_task_eval(const TaskEvalOptions& options, AnswerSource& source);

// {"data", "match", "records", "accuracy": accuracy_table_json}
Json task_eval_json(const TaskEvalOptions& options, const TaskEvalReport& report);

}  // namespace longalign::eval
