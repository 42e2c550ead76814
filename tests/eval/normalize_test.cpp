#include "eval/normalize.h"

#include <gtest/gtest.h>

namespace longalign::eval {
namespace {

TEST(EvalNormalize, EnglishLowersDropsPunctuationArticlesAndExtraSpace) {
  // lower: "the cat's  hat, (an) apple!"; no punctuation: "the cats  hat an apple";
  // articles to spaces: "  cats  hat   apple"; whitespace collapsed.
  EXPECT_EQ(normalize_answer("The Cat's  hat, (an) apple!"), "cats hat apple");
  EXPECT_EQ(normalize_answer("  A\tB\n"), "b");
}

TEST(EvalNormalize, ArticlesOnlyAsWholeWords) {
  EXPECT_EQ(normalize_answer("Theory of another banana"), "theory of another banana");
  // The em dash is not ASCII punctuation, so it stays, and it is a word boundary.
  EXPECT_EQ(normalize_answer("the\u2014end"), "\u2014end");
  // Letters outside ASCII are word characters: no boundary between "a" and "\u00e9".
  EXPECT_EQ(normalize_answer("a\u00e9 a"), "a\u00e9");
}

TEST(EvalNormalize, ChineseDropsBothPunctuationsAndAllWhitespace) {
  EXPECT_EQ(normalize_zh_answer("Hello, \u4e16\u754c\uff01 A b"), "hello\u4e16\u754cab");
  // LongBench's list has the closing title mark \u300b but not the opening \u300a, which stays.
  EXPECT_EQ(
      normalize_zh_answer("\u300a\u7ea2\u697c\u68a6\u300b\u2014\u2014\u66f9\u96ea\u82b9\u3002"),
      "\u300a\u7ea2\u697c\u68a6\u66f9\u96ea\u82b9");
}

TEST(EvalNormalize, SplitsLikePythonStrSplit) {
  EXPECT_EQ(split_whitespace("  a \u3000b\x1f"
                             "c\n"),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_whitespace(" \t ").empty());
  EXPECT_EQ(split_characters("a\u4e16b"), (std::vector<std::string>{"a", "\u4e16", "b"}));
}

}  // namespace
}  // namespace longalign::eval
