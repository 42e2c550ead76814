// A LongBench-Chat evaluation run: every question answered, every answer judged judge_runs times,
// each record appended to OUT/predictions.jsonl or OUT/judgments.jsonl the moment it is complete,
// and OUT/summary.json and OUT/summary.txt written (atomically) from all records at the end. A
// rerun into the same folder skips the answers (by idx) and judgments (by idx and run) already
// recorded, so a killed run loses only what was in flight.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "eval/answer_source.h"
#include "eval/judge.h"
#include "eval/longbench_chat_data.h"
#include "eval/longbench_chat_summary.h"
#include "serve/openai_client.h"

namespace longalign::eval {

struct LongBenchChatOptions {
  std::filesystem::path output_dir;  // created if absent
  int judge_runs = 2;
  int concurrency = 1;  // questions in progress at once (answer, then its judge runs)
  JudgeSettings judge;
  // Called with one line per answer, judgment or failure, one call at a time; may be empty.
  std::function<void(const std::string&)> log;
};

// Runs what is not recorded yet and returns the summary of everything recorded. A question whose
// answer or judgment fails (the endpoint or judge unreachable after the client's retries) is
// logged and left for a rerun; the summary then says it is not complete. Records in `output_dir`
// whose query differs from the benchmark's are an error: the folder belongs to another dataset.
LongBenchChatSummary run_longbench_chat(const LongBenchChatData& data, AnswerSource& answers,
                                        serve::OpenAiClient& judge,
                                        const LongBenchChatOptions& options);

}  // namespace longalign::eval
