#include "eval/judge_prompt.h"

#include <utility>

#include "core/error.h"
#include "core/random.h"

namespace longalign::eval {
namespace {

// question, reference, three (answer, score) pairs, the answer to judge
constexpr size_t kSlots = 2 + 2 * kFewShots + 1;

}  // namespace

const char* const kJudgeSystemMessage =
    "You are an impartial and careful judge of the quality of AI assistants' answers.";

JudgeTemplate JudgeTemplate::parse(std::string_view text, const std::string& where) {
  JudgeTemplate t;
  std::string piece;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if ((c == '{' && next == '{') || (c == '}' && next == '}')) {
      piece += c;
      ++i;
    } else if (c == '{' && next == '}') {
      t.literals_.push_back(std::move(piece));
      piece.clear();
      ++i;
    } else if (c == '{' || c == '}') {
      throw Error(where + ": byte " + std::to_string(i) +
                  ": a lone brace; slots are \"{}\", literal braces \"{{\" and \"}}\"");
    } else {
      piece += c;
    }
  }
  t.literals_.push_back(std::move(piece));
  if (t.literals_.size() != kSlots + 1) {
    throw Error(where + ": expected " + std::to_string(kSlots) +
                " \"{}\" slots (question, reference answer, three example answers with their "
                "scores, the answer to judge), found " +
                std::to_string(t.literals_.size() - 1));
  }
  return t;
}

std::string JudgeTemplate::fill(std::string_view question, std::string_view reference,
                                const std::array<const FewShotAnswer*, kFewShots>& examples,
                                std::string_view answer) const {
  std::vector<std::string_view> values{question, reference};
  for (const FewShotAnswer* e : examples) {
    values.push_back(e->answer);
    values.push_back(e->score);
  }
  values.push_back(answer);
  std::string out = literals_[0];
  for (size_t i = 0; i < values.size(); ++i) out.append(values[i]).append(literals_[i + 1]);
  return out;
}

std::array<int, kFewShots> few_shot_order(uint64_t seed, int64_t idx, int run) {
  uint64_t state = splitmix64_hash(seed);
  state = splitmix64_hash(state ^ static_cast<uint64_t>(idx));
  state = splitmix64_hash(state ^ static_cast<uint64_t>(run));
  std::array<int, kFewShots> order{0, 1, 2};
  // Fisher-Yates; the modulo bias of a 64-bit draw over three items is negligible.
  for (size_t i = kFewShots - 1; i > 0; --i) {
    const size_t j = splitmix64(state) % (i + 1);
    std::swap(order[i], order[j]);
  }
  return order;
}

}  // namespace longalign::eval
