// An LLM judge for needle replies: it rates a reply from 1 to 10 against the expected answer,
// which lets a test accept a right answer in other words than the needle's.
#pragma once

#include <string>
#include <string_view>

#include "serve/openai_client.h"

namespace longalign::eval {

// The judge's prompt: the question, the expected answer, the reply, and the rating format.
std::string needle_judge_prompt(std::string_view question, std::string_view answer,
                                std::string_view reply);

class NeedleJudge {
 public:
  explicit NeedleJudge(serve::ClientOptions options);

  // The rating n (1..10, the last [[n]] of the judge's reply) as n / 10. A reply without a
  // rating is asked again, at most twice; then Error quoting the judge's last reply.
  double score(std::string_view question, std::string_view answer, std::string_view reply);

 private:
  serve::OpenAiClient client_;
};

}  // namespace longalign::eval
