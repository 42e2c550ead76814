// One cell of a needle test: the needle, at a depth, in a haystack cut so that the whole prompt
// (template, instructions, context, question) and the answer fit a target length in tokens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "eval/haystack.h"
#include "eval/prompt_meter.h"

namespace longalign::eval {

// The fact hidden in the haystack, the question about it and the expected answer.
struct NeedleText {
  std::string needle, question, answer;
};

// This project's own needle: a fact no haystack contains, with a two-word answer.
NeedleText default_needle_text();

// The user message: instructions, the context between document markers, the question.
std::string needle_user_message(std::string_view context, std::string_view question);

struct NeedleCase {
  std::string prompt;          // the user message
  size_t prompt_tokens = 0;    // the prompt as the model sees it, template included
  size_t haystack_tokens = 0;  // the haystack cut to this many tokens, before the needle
  size_t needle_token = 0;     // tokens of the context before the needle
  double needle_depth = 0;     // needle_token as a percentage of haystack_tokens
};

// The prompt for (length, depth): prompt_tokens + answer_room <= length, as close to it as the
// tokenizer allows. `haystack` must hold at least `length` tokens. A length too short for the
// fixed text is a UsageError.
NeedleCase make_needle_case(const Haystack& haystack, const PromptMeter& meter,
                            const NeedleText& text, int64_t length, double depth_percent,
                            int64_t answer_room);

}  // namespace longalign::eval
