#include "eval/needle_case.h"

#include "core/error.h"

namespace longalign::eval {

NeedleText default_needle_text() {
  return {
      "The secret ingredient in the lighthouse keeper's famous fish stew is a spoonful of "
      "smoked paprika.",
      "What is the secret ingredient in the lighthouse keeper's famous fish stew?",
      "smoked paprika"};
}

std::string needle_user_message(std::string_view context, std::string_view question) {
  std::string m =
      "Read the document below, then answer the question that follows it. The answer is stated "
      "somewhere in the document; give it in one short sentence.\n\n<document>\n";
  m.append(context).append("\n</document>\n\nQuestion: ").append(question);
  return m;
}

NeedleCase make_needle_case(const Haystack& haystack, const PromptMeter& meter,
                            const NeedleText& text, int64_t length, double depth_percent,
                            int64_t answer_room) {
  const int64_t limit = length - answer_room;
  const auto fixed =
      static_cast<int64_t>(meter.count(needle_user_message(text.needle, text.question)));
  int64_t budget = limit - fixed;
  if (budget < 1) {
    throw UsageError("length " + std::to_string(length) + " leaves no room for a haystack: the " +
                     "prompt without one takes " + std::to_string(fixed) + " tokens and the " +
                     "answer " + std::to_string(answer_room));
  }
  // Tokens merge differently once the pieces are joined, so the cut is measured and, when the
  // whole prompt comes out long, shortened by the excess; one or two rounds settle it.
  for (int round = 0; round < 8 && budget >= 1; ++round) {
    const std::string context = haystack.prefix(static_cast<size_t>(budget));
    NeedlePlacement placed = insert_needle(context, text.needle, depth_percent);
    NeedleCase c;
    c.prompt = needle_user_message(placed.text, text.question);
    c.prompt_tokens = meter.count(c.prompt);
    const auto over = static_cast<int64_t>(c.prompt_tokens) - limit;
    if (over > 0) {
      budget -= over;
      continue;
    }
    c.haystack_tokens = static_cast<size_t>(budget);
    c.needle_token =
        meter.tokenizer().encode(std::string_view(placed.text).substr(0, placed.offset)).size();
    c.needle_depth = 100.0 * static_cast<double>(c.needle_token) / static_cast<double>(budget);
    return c;
  }
  throw Error("cannot fit the haystack to " + std::to_string(length) + " tokens");
}

}  // namespace longalign::eval
