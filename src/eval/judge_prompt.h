// The prompt LongBench-Chat's judge reads: prompt_fs.txt's instructions with the question, the
// reference answer, three answers the authors scored by hand (with their scores) and the answer
// to judge, plus the order in which one judge run shows those three examples.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace longalign::eval {

inline constexpr size_t kFewShots = 3;

// One pre-scored example answer of few_shots.json.
struct FewShotAnswer {
  std::string answer;
  std::string score;  // as the file writes it ("7"), so the prompt shows what the authors wrote
};

// The system message sent with every judge prompt.
extern const char* const kJudgeSystemMessage;

class JudgeTemplate {
 public:
  // `text` in Python str.format's positional syntax, as the published file is: exactly nine
  // "{}" slots (question, reference, then answer and score of each example, then the answer to
  // judge); "{{" and "}}" are literal braces. Any other brace is an error naming `where`.
  static JudgeTemplate parse(std::string_view text, const std::string& where);

  // The prompt with the examples in the order given.
  std::string fill(std::string_view question, std::string_view reference,
                   const std::array<const FewShotAnswer*, kFewShots>& examples,
                   std::string_view answer) const;

 private:
  std::vector<std::string> literals_;  // the text around the slots: one more piece than slots
};

// The order in which judge run `run` of question `idx` shows the three examples: a permutation
// of 0, 1, 2 drawn from SplitMix64 seeded by (seed, idx, run). The published script always
// shows them in the file's order, which lets a judge lean on position; shuffling per run and
// averaging the runs takes that out, and the seed makes a rerun show the same orders.
std::array<int, kFewShots> few_shot_order(uint64_t seed, int64_t idx, int run);

}  // namespace longalign::eval
