// One judgment: the judge model rates one answer against the reference, seeing the three
// pre-scored examples in this run's order.
#pragma once

#include <cstdint>
#include <string>

#include "eval/longbench_chat_data.h"
#include "eval/longbench_chat_records.h"
#include "serve/openai_client.h"

namespace longalign::eval {

struct JudgeSettings {
  uint64_t seed = 42;  // with idx and run, picks the examples' order
  // Calls per judgment: a reply without a readable [[rating]] is asked again, up to this many
  // calls in all, and then recorded as failed.
  int attempts = 3;
};

// Asks `judge` (temperature 0, the judge's system message and the filled template) for run
// `run` of `c`. Throws serve::ClientError when the judge cannot be reached even after the
// client's retries; nothing is recorded then, so a rerun asks again.
ChatJudgment judge_answer(serve::OpenAiClient& judge, const JudgeTemplate& judge_template,
                          const ChatCase& c, const std::string& prediction, int run,
                          const JudgeSettings& settings);

}  // namespace longalign::eval
