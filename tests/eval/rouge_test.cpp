#include "eval/rouge.h"

#include <gtest/gtest.h>

namespace longalign::eval {
namespace {

TEST(EvalRouge, OneSentenceByHand) {
  // LCS("the cat is on the mat", "the cat sat on the mat") = "the cat on the mat", whose
  // distinct words are {the, cat, on, mat}: 4. Distinct words: reference 5, prediction 5.
  // R = P = 4/5, F = 0.8.
  EXPECT_NEAR(rouge_l("the cat sat on the mat", "the cat is on the mat"), 0.8, 1e-7);
}

TEST(EvalRouge, WordsCountOnceAsInTheRougePackage) {
  // LCS "a a" has one distinct word; each side has one distinct word: F = 1, where counting
  // repeats would give P = 2/3, R = 1, F = 0.8.
  EXPECT_NEAR(rouge_l("a a a", "a a"), 1.0, 1e-7);
}

TEST(EvalRouge, SummaryLevelUnionOverSentences) {
  // References "a b" | "c d", predictions "a c" | "b d": the pairwise LCSs are a, b, c, d, whose
  // union covers all 4 distinct words of each side: F = 1 although no sentence pair matches.
  EXPECT_NEAR(rouge_l("a c. b d", "a b. c d."), 1.0, 1e-7);
  // Swapped order within one sentence: LCS length 1 of 2 distinct words each: F = 0.5.
  EXPECT_NEAR(rouge_l("b a", "a b"), 0.5, 1e-7);
}

TEST(EvalRouge, EmptyPredictionScoresZero) {
  EXPECT_EQ(rouge_l("", "a b"), 0.0);
  EXPECT_EQ(rouge_l("...", "a b"), 0.0);
  EXPECT_EQ(rouge_l("a b", ""), 0.0);
}

TEST(EvalRouge, ChineseByCharacter) {
  // 我爱北京 vs 我爱上海: LCS 我爱, 2 of 4 distinct characters on each side: F = 0.5.
  EXPECT_NEAR(rouge_l_zh("\u6211\u7231\u5317\u4eac", "\u6211\u7231\u4e0a\u6d77"), 0.5, 1e-7);
  // Whitespace is not a character of the answer.
  EXPECT_NEAR(rouge_l_zh("\u6211 \u7231", "\u6211\u7231"), 1.0, 1e-7);
}

}  // namespace
}  // namespace longalign::eval
