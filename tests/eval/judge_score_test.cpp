// The judge's [[rating]] parser.
#include <gtest/gtest.h>

#include "eval/judge_score.h"

namespace longalign::eval {
namespace {

TEST(JudgeScore, IntegersAndDecimals) {
  EXPECT_EQ(parse_judge_score("Good answer. [[7]]"), 7.0);
  EXPECT_EQ(parse_judge_score("[[7.5]]"), 7.5);
  EXPECT_EQ(parse_judge_score("Rating: [[10]]."), 10.0);
  EXPECT_EQ(parse_judge_score("[[ 8/10 ]]"), 8.0);
  EXPECT_EQ(parse_judge_score("[[Rating: 3]]"), 3.0);
}

TEST(JudgeScore, TheLastBracketWins) {
  EXPECT_EQ(parse_judge_score("Example one got [[9]], example two [[2]]. Mine: [[6]]"), 6.0);
  // A bracket holding no number still is the last one: no rating.
  EXPECT_EQ(parse_judge_score("[[6]] ... [[rating]]"), std::nullopt);
}

TEST(JudgeScore, NoRating) {
  EXPECT_EQ(parse_judge_score("I would give it a 7."), std::nullopt);
  EXPECT_EQ(parse_judge_score("[7]"), std::nullopt);
  EXPECT_EQ(parse_judge_score("[[]]"), std::nullopt);
  EXPECT_EQ(parse_judge_score("[[7]"), std::nullopt);
  EXPECT_EQ(parse_judge_score(""), std::nullopt);
}

TEST(JudgeScore, OutOfRangeIsNoRating) {
  EXPECT_EQ(parse_judge_score("[[0]]"), std::nullopt);
  EXPECT_EQ(parse_judge_score("[[11]]"), std::nullopt);
  EXPECT_EQ(parse_judge_score("[[85]]"), std::nullopt);
  EXPECT_EQ(parse_judge_score("[[1]]"), 1.0);
}

TEST(JudgeScore, BracketsAreMatchedLeftToRight) {
  // "[[[5]]": the match starts at the first "[[" and holds "[5".
  EXPECT_EQ(parse_judge_score("[[[5]]"), 5.0);
  // "[[a]b]]" is no match; the later "[[4]]" is.
  EXPECT_EQ(parse_judge_score("[[a]b]] then [[4]]"), 4.0);
}

}  // namespace
}  // namespace longalign::eval
