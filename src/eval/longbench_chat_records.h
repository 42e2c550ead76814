// What a LongBench-Chat run records, one JSON line per item as it completes: an answer
// (predictions.jsonl) and a judgment (judgments.jsonl). A rerun reads them back and skips what
// is there, so the reader checks each field and names the file, line and field it dislikes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "core/json.h"
#include "eval/judge_prompt.h"

namespace longalign::eval {

struct ChatPrediction {
  int64_t idx = 0;
  std::string query;
  std::string prediction;
  int64_t prompt_tokens = 0;  // what the model read, template included
  int64_t completion_tokens = 0;
  bool truncated = false;  // the prompt lost its middle to fit --max-length or the context
};

struct ChatJudgment {
  int64_t idx = 0;
  int run = 0;                         // 0-based
  std::array<int, kFewShots> order{};  // few_shots.json's examples, in the order shown
  std::string reply;                   // the judge's last reply
  std::optional<double> score;         // none: no rating in any attempt's reply
  int attempts = 0;                    // judge calls made
  int64_t prompt_tokens = 0;           // over all attempts
  int64_t completion_tokens = 0;
};

Json prediction_json(const ChatPrediction& p);
ChatPrediction prediction_from_json(const Json& j, const std::string& where);

Json judgment_json(const ChatJudgment& j);
ChatJudgment judgment_from_json(const Json& j, const std::string& where);

}  // namespace longalign::eval
