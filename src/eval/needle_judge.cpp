#include "eval/needle_judge.h"

#include "core/error.h"
#include "eval/judge_score.h"

namespace longalign::eval {

std::string needle_judge_prompt(std::string_view question, std::string_view answer,
                                std::string_view reply) {
  std::string p =
      "You are checking whether an assistant found a fact in a long document. Compare its reply "
      "with the expected answer. Rate 10 when the reply gives the expected answer (other words "
      "for the same fact are fine), 1 when it gives a different answer or none, and in between "
      "for a partly right or hedged reply. Explain in one sentence, then give the rating in "
      "double brackets, for example [[7]].\n\n[Question]\n";
  p.append(question).append("\n\n[Expected answer]\n").append(answer);
  p.append("\n\n[Reply]\n").append(reply).append("\n");
  return p;
}

NeedleJudge::NeedleJudge(serve::ClientOptions options) : client_(std::move(options)) {}

double NeedleJudge::score(std::string_view question, std::string_view answer,
                          std::string_view reply) {
  serve::ChatRequest r;
  r.messages = {{"user", needle_judge_prompt(question, answer, reply)}};
  r.max_tokens = 256;
  std::string last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    // A greedy judge would repeat a reply without a rating, so later tries sample.
    r.temperature = attempt == 0 ? 0.0 : 0.7;
    last = client_.chat(r).text;
    if (const std::optional<double> n = parse_judge_score(last)) return *n / 10;
  }
  throw Error("the judge gave no [[rating]] in three tries; its last reply: " + last);
}

}  // namespace longalign::eval
