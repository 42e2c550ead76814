#include "eval/number_match.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace longalign::eval {
namespace {

TEST(EvalNumberMatch, CountIsTheFractionOfRightNumbers) {
  // Numbers 3, 4, 3; two are right.
  EXPECT_DOUBLE_EQ(count_score("There are 3 paragraphs, not 4 or 3.", "3"), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(count_score("none", "3"), 0.0);
  EXPECT_DOUBLE_EQ(count_score("13", "3"), 0.0);  // whole numbers only
}

TEST(EvalNumberMatch, RetrievalReadsTheParagraphOfTheAnswer) {
  EXPECT_DOUBLE_EQ(retrieval_score("Paragraph 12", "Paragraph 12"), 1.0);
  EXPECT_DOUBLE_EQ(retrieval_score("Paragraph 2 or Paragraph 12", "Paragraph 12"), 0.5);
  // 段落3 和 段落5 against 段落5.
  EXPECT_DOUBLE_EQ(retrieval_score("\u6bb5\u843d3\u548c\u6bb5\u843d5", "\u6bb5\u843d5"), 0.5);
  EXPECT_TRUE(
      testing::contains(testing::error_of([] { retrieval_score("Paragraph 1", "the first one"); }),
                        "names no paragraph"));
}

}  // namespace
}  // namespace longalign::eval
