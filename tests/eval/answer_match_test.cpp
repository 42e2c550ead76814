#include "eval/answer_match.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace longalign::eval {
namespace {

TEST(AnswerMatch, NormalisingLowersAndCollapsesPunctuationAndSpace) {
  EXPECT_EQ(normalize_for_match("  The Answer:  Smoked-Paprika!!\n"), "the answer smoked paprika");
  EXPECT_EQ(normalize_for_match("QWERT, ASDFG,ZXCVB."), "qwert asdfg zxcvb");
  EXPECT_EQ(normalize_for_match("答案：北京。"), "答案 北京");
  EXPECT_EQ(normalize_for_match("..."), "");
}

TEST(AnswerMatch, ExactNeedsTheWholeReply) {
  EXPECT_TRUE(answer_matches("Smoked paprika.", "smoked paprika", MatchMode::kExact));
  EXPECT_TRUE(answer_matches(" QWERT,ASDFG ", "QWERT, ASDFG", MatchMode::kExact));
  EXPECT_FALSE(answer_matches("It is smoked paprika.", "smoked paprika", MatchMode::kExact));
  EXPECT_FALSE(answer_matches("smoked", "smoked paprika", MatchMode::kExact));
}

TEST(AnswerMatch, ContainsFindsTheAnswerAsWholeWords) {
  EXPECT_TRUE(answer_matches("It is smoked paprika.", "Smoked paprika", MatchMode::kContains));
  EXPECT_TRUE(answer_matches("The pass key is 4821937.", "4821937", MatchMode::kContains));
  EXPECT_FALSE(answer_matches("The pass key is 4821937.", "21937", MatchMode::kContains));
  EXPECT_FALSE(answer_matches("48219370", "4821937", MatchMode::kContains));
  // A later occurrence can stand alone when an earlier one does not.
  EXPECT_TRUE(answer_matches("548 then 48", "48", MatchMode::kContains));
  EXPECT_FALSE(answer_matches("qwert asdfg", "QWERT, ASDFG, ZXCVB", MatchMode::kContains));
  // CJK text has no spaces between words.
  EXPECT_TRUE(answer_matches("答案是北京。", "北京", MatchMode::kContains));
}

TEST(AnswerMatch, AnEmptyAnswerNeverMatches) {
  EXPECT_FALSE(answer_matches("anything", "", MatchMode::kContains));
  EXPECT_FALSE(answer_matches("", "", MatchMode::kExact));
  EXPECT_FALSE(answer_matches("!", "?", MatchMode::kExact));
}

TEST(AnswerMatch, ModesByName) {
  EXPECT_EQ(parse_match_mode("exact"), MatchMode::kExact);
  EXPECT_EQ(parse_match_mode("contains"), MatchMode::kContains);
  EXPECT_STREQ(match_mode_name(MatchMode::kExact), "exact");
  EXPECT_THROW(parse_match_mode("fuzzy"), UsageError);
}

}  // namespace
}  // namespace longalign::eval
