// LongBench-Chat's result, computed from the recorded answers and judgments alone, so a resumed
// run and an uninterrupted one with the same records report the same numbers.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "eval/longbench_chat_data.h"
#include "eval/longbench_chat_records.h"

namespace longalign::eval {

struct ScoreGroup {
  int64_t count = 0;           // questions with a score
  std::optional<double> mean;  // none when count is 0
};

struct TokenTotals {
  int64_t prompt = 0;
  int64_t completion = 0;
};

struct LongBenchChatSummary {
  int64_t questions = 0;  // in the benchmark
  int judge_runs = 0;
  int64_t answered = 0;           // questions with an answer
  int64_t judgments = 0;          // (question, run) pairs judged, failed ones included
  int64_t judge_failures = 0;     // judgments with no rating in any reply: not in the means
  int64_t missing_judgments = 0;  // pairs not judged yet (no answer, or the judge could not be
                                  // reached): a rerun does them
  ScoreGroup overall;             // a question's score is the mean of its rated runs
  std::map<std::string, ScoreGroup> by_language;  // "en" and "zh" (a CJK ideograph in the query)
  std::map<int64_t, double> question_scores;      // by idx
  TokenTotals answer_tokens, judge_tokens;

  bool complete() const { return answered == questions && missing_judgments == 0; }
};

using JudgmentKey = std::pair<int64_t, int>;  // (idx, run)

// Only runs below `judge_runs` count, so a run asked for fewer judge runs than an earlier one
// into the same folder reports on what it asked for.
LongBenchChatSummary summarize_longbench_chat(const std::vector<ChatCase>& cases,
                                              const std::map<int64_t, ChatPrediction>& predictions,
                                              const std::map<JudgmentKey, ChatJudgment>& judgments,
                                              int judge_runs);

Json summary_json(const LongBenchChatSummary& s);

// A few aligned lines for people.
std::string summary_text(const LongBenchChatSummary& s);

}  // namespace longalign::eval
