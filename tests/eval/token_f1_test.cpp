#include "eval/token_f1.h"

#include <gtest/gtest.h>

namespace longalign::eval {
namespace {

TEST(EvalTokenF1, EnglishByHand) {
  // "the cat sat" -> [cat, sat]; "a cat sat down" -> [cat, sat, down]. Common 2:
  // P = 2/2, R = 2/3, F1 = 2 * 1 * 2/3 / (1 + 2/3) = (4/3) / (5/3) = 0.8.
  EXPECT_DOUBLE_EQ(qa_f1("the cat sat", "a cat sat down"), 0.8);
  EXPECT_DOUBLE_EQ(qa_f1("Paris.", "paris"), 1.0);
  EXPECT_DOUBLE_EQ(qa_f1("London", "Paris"), 0.0);
  // Only articles: both sides normalise to nothing, which shares nothing.
  EXPECT_DOUBLE_EQ(qa_f1("the", "a"), 0.0);
}

TEST(EvalTokenF1, CountsAreMultisets) {
  // [a, a, b] vs [a, b, b]: common = min(2, 1) + min(1, 2) = 2; P = R = 2/3, so F1 = 2/3.
  EXPECT_DOUBLE_EQ(token_f1({"a", "a", "b"}, {"a", "b", "b"}), 2.0 / 3.0);
}

TEST(EvalTokenF1, ChineseByCharacter) {
  // "北京是首都。" -> 北 京 是 首 都 (5); "首都北京" -> 4 characters, all shared:
  // P = 4/5, R = 1, F1 = 2 * 0.8 / 1.8 = 8/9.
  EXPECT_DOUBLE_EQ(qa_f1_zh("\u5317\u4eac\u662f\u9996\u90fd\u3002", "\u9996\u90fd\u5317\u4eac"),
                   8.0 / 9.0);
  EXPECT_DOUBLE_EQ(qa_f1_zh("\uff0c\u3002", "\u5317\u4eac"), 0.0);
}

}  // namespace
}  // namespace longalign::eval
