#include "eval/judge.h"

#include "eval/judge_score.h"

namespace longalign::eval {

ChatJudgment judge_answer(serve::OpenAiClient& judge, const JudgeTemplate& judge_template,
                          const ChatCase& c, const std::string& prediction, int run,
                          const JudgeSettings& settings) {
  ChatJudgment j;
  j.idx = c.idx;
  j.run = run;
  j.order = few_shot_order(settings.seed, c.idx, run);
  std::array<const FewShotAnswer*, kFewShots> examples{};
  for (size_t k = 0; k < kFewShots; ++k)
    examples[k] = &c.few_shots[static_cast<size_t>(j.order[k])];
  serve::ChatRequest request;
  request.messages = {{"system", kJudgeSystemMessage},
                      {"user", judge_template.fill(c.query, c.answer, examples, prediction)}};
  request.temperature = 0;
  while (!j.score && j.attempts < settings.attempts) {
    const serve::ChatResult result = judge.chat(request);
    ++j.attempts;
    j.reply = result.text;
    j.prompt_tokens += result.usage.prompt_tokens;
    j.completion_tokens += result.usage.completion_tokens;
    j.score = parse_judge_score(result.text);
  }
  return j;
}

}  // namespace longalign::eval
