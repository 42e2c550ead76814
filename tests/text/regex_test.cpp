// The pattern engine must read \s and \w as Oniguruma (Hugging Face's engine) does: \s is the
// White_Space property; \w is Letter, Mark, Number or Connector_Punctuation.
#include "text/regex.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"

namespace longalign::text {
namespace {

std::vector<std::string> matches(const std::string& pattern, const std::string& subject) {
  Regex regex(pattern, "test");
  std::vector<std::string> found;
  regex.for_each_match(subject,
                       [&](size_t b, size_t e) { found.push_back(subject.substr(b, e - b)); });
  return found;
}

using Strings = std::vector<std::string>;

TEST(Regex, WhiteSpaceIsTheUnicodeProperty) {
  // U+0085 NEL and U+3000 are White_Space; U+180E and U+FEFF are not.
  EXPECT_EQ(matches(R"(\s+)", "a\u0085\u3000b\u180Ec\uFEFFd"), (Strings{"\u0085\u3000"}));
  EXPECT_EQ(matches(R"(\S+)", "a\u180Eb c"), (Strings{"a\u180Eb", "c"}));
  EXPECT_EQ(matches(R"([^\s]+)", "x\u180E y"), (Strings{"x\u180E", "y"}));
}

TEST(Regex, WordCharactersIncludeMarksNumbersAndConnectors) {
  // e + combining acute, superscript two (No), undertie (Pc), Devanagari with a vowel sign (Mc).
  EXPECT_EQ(matches(R"(\w+)", "e\u0301x\u00B2\u203Fy \u0915\u093E!"),
            (Strings{"e\u0301x\u00B2\u203Fy", "\u0915\u093E"}));
  // Hugging Face's Whitespace pre-tokenizer pattern.
  EXPECT_EQ(matches(R"(\w+|[^\w\s]+)", "caf\u0065\u0301, ok?!"),
            (Strings{"cafe\u0301", ",", "ok", "?!"}));
  EXPECT_EQ(matches(R"(\W+)", "a\u0301-b"), (Strings{"-"}));
}

TEST(Regex, QuotedTextAndPosixClassesAreLeftAlone) {
  EXPECT_EQ(matches(R"(\Q\s\E)", R"(a\sb)"), (Strings{R"(\s)"}));
  EXPECT_EQ(matches(R"([[:digit:]\s]+)", "a1 2b"), (Strings{"1 2"}));
}

TEST(Regex, EmptyMatchesAdvanceByOneCodePoint) {
  EXPECT_EQ(matches("x*", "\u00E9x"), (Strings{"", "x", ""}));
}

TEST(Regex, BadPatternNamesTheComponent) {
  try {
    Regex bad("(unclosed", "tokenizer.json: pre_tokenizer (Split)");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json: pre_tokenizer (Split)"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace longalign::text
