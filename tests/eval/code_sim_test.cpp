#include "eval/code_sim.h"

#include <gtest/gtest.h>

namespace longalign::eval {
namespace {

TEST(EvalCodeSim, FuzzRatioByHand) {
  // LCS("abcd", "abed") = "abd": 2 * 3 / 8 = 0.75.
  EXPECT_EQ(fuzz_ratio("abcd", "abed"), 75);
  // LCS("kitten", "sitting") = "ittn": 2 * 4 / 13 = 61.5...% -> 62.
  EXPECT_EQ(fuzz_ratio("kitten", "sitting"), 62);
  EXPECT_EQ(fuzz_ratio("", ""), 100);
  EXPECT_EQ(fuzz_ratio("a", ""), 0);
  // Code points, not bytes: one of two characters shared, 2 * 1 / 4 = 50.
  EXPECT_EQ(fuzz_ratio("\u4e16\u754c", "\u4e16x"), 50);
}

TEST(EvalCodeSim, HalvesRoundToEven) {
  // 1 of 16 characters: 2 * 1 / 16 = 12.5% -> 12; 3 of 16: 37.5% -> 38 (Python's round()).
  EXPECT_EQ(fuzz_ratio("x", "xbbbbbbbbbbbbbb"), 12);
  EXPECT_EQ(fuzz_ratio("xyz", "xyzbbbbbbbbbb"), 38);
}

TEST(EvalCodeSim, ScoresTheFirstCodeLine) {
  const char* prediction = "\n```python\n# the next line\n    return x + 1\n```";
  EXPECT_DOUBLE_EQ(code_sim_score(prediction, "    return x + 1"), 1.0);
  EXPECT_DOUBLE_EQ(code_sim_score("abed\nabcd", "abcd"), 0.75);
  EXPECT_DOUBLE_EQ(code_sim_score("// only\n# comments", "abcd"), 0.0);
}

}  // namespace
}  // namespace longalign::eval
