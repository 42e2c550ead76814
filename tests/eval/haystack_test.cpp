#include "eval/haystack.h"

#include <gtest/gtest.h>

#include "eval/needle_case.h"
#include "needle_fixture.h"
#include "test_support.h"

namespace longalign::eval {
namespace {

using testing::contains;
using testing::TempDir;

std::string prose() {
  return testing::needle_prose();
}

TEST(Haystack, SentencesEndAtPunctuationBeforeSpace) {
  EXPECT_EQ(sentence_boundaries("One. Two! Three?  Four"), (std::vector<size_t>{0, 5, 10, 18, 22}));
  // No boundary inside a number or at the very end.
  EXPECT_EQ(sentence_boundaries("Pi is 3.14 here. Yes."), (std::vector<size_t>{0, 17, 21}));
  EXPECT_EQ(sentence_boundaries("Line one.\nLine two"), (std::vector<size_t>{0, 10, 18}));
  // Chinese full stops need no space after them.
  EXPECT_EQ(sentence_boundaries("第一句。第二句！第三句"), (std::vector<size_t>{0, 12, 24, 33}));
  EXPECT_EQ(sentence_boundaries(""), (std::vector<size_t>{0}));
}

TEST(Haystack, NeedleGoesToTheNearestSentenceBoundary) {
  const std::string context = "One. Two. Three.";  // boundaries 0, 5, 10, 16
  NeedlePlacement p = insert_needle(context, "N.", 0);
  EXPECT_EQ(p.text, "N. One. Two. Three.");
  EXPECT_EQ(p.offset, 0u);
  p = insert_needle(context, "N.", 100);
  EXPECT_EQ(p.text, "One. Two. Three. N.");
  EXPECT_EQ(p.offset, 17u);
  p = insert_needle(context, "N.", 50);  // 8 bytes in: 10 is nearer than 5
  EXPECT_EQ(p.text, "One. Two. N. Three.");
  EXPECT_EQ(p.offset, 10u);
  p = insert_needle(context, "N.", 40);  // 6.4 bytes in
  EXPECT_EQ(p.text, "One. N. Two. Three.");
  EXPECT_EQ(p.offset, 5u);
  p = insert_needle("Ends with space. ", "N.", 100);
  EXPECT_EQ(p.text, "Ends with space. N.");
}

TEST(Haystack, FolderFilesAreJoinedInNameOrder) {
  TempDir dir;
  dir.write("h/b.txt", "Second file.");
  dir.write("h/a.txt", "First file.");
  dir.write("h/notes.md", "Not text.");
  EXPECT_EQ(read_haystack_dir(dir.path() / "h"), "First file.\n\nSecond file.");
  dir.write("empty/a.txt", "  \n");
  EXPECT_THROW(read_haystack_dir(dir.path() / "empty"), Error);
  EXPECT_THROW(read_haystack_dir(dir.path() / "missing"), Error);
}

TEST(Haystack, RepeatsTheTextForLongContexts) {
  const text::Tokenizer tok = text::Tokenizer::load(testing::npm_tokenizer_dir("llama2"));
  const std::string text = prose();
  const size_t once = tok.encode(text).size();
  const Haystack h(text, tok, 3 * once);
  EXPECT_GE(h.size(), 3 * once);
  EXPECT_LT(h.size(), 5 * once);
  const std::string start = h.prefix(20);
  EXPECT_EQ(start.substr(0, 10), text.substr(0, 10));
  // A cut inside a word may tokenize a little differently on its own.
  EXPECT_NEAR(double(tok.encode(h.prefix(200)).size()), 200, 2);
}

TEST(NeedleCase, FillsTheLengthWithTheNeedleAtItsDepth) {
  const text::Tokenizer tok = text::Tokenizer::load(testing::npm_tokenizer_dir("llama2"));
  const PromptMeter meter(tok, data::ChatTemplate::kLlama2);
  const Haystack h(prose(), tok, 2000);
  const NeedleText t = default_needle_text();
  for (const int64_t length : {300, 1000, 2000}) {
    for (const double depth : {0.0, 50.0, 100.0}) {
      const NeedleCase c = make_needle_case(h, meter, t, length, depth, 32);
      SCOPED_TRACE(std::to_string(length) + " " + std::to_string(depth));
      EXPECT_EQ(meter.count(c.prompt), c.prompt_tokens);
      EXPECT_LE(c.prompt_tokens, size_t(length - 32));
      EXPECT_GE(c.prompt_tokens, size_t(length - 32 - 8));
      EXPECT_TRUE(contains(c.prompt, t.needle));
      EXPECT_TRUE(contains(c.prompt, "Question: " + t.question));
      if (depth == 0) {
        EXPECT_TRUE(contains(c.prompt, "<document>\n" + t.needle + " Sentence 1 tells"));
        EXPECT_EQ(c.needle_token, 0u);
      } else if (depth == 100) {
        EXPECT_TRUE(contains(c.prompt, t.needle + "\n</document>"));
        EXPECT_GT(c.needle_depth, 95);
      } else {
        EXPECT_NEAR(c.needle_depth, 50, 10);
        // Between two sentences: a sentence end and space, the needle, the next sentence.
        const size_t at = c.prompt.find(t.needle);
        const size_t before = c.prompt.find_last_not_of(" \n", at - 1);
        EXPECT_EQ(c.prompt[before], '.');
        EXPECT_LT(before + 1, at);
        EXPECT_EQ(c.prompt.substr(at + t.needle.size(), 10), " Sentence ");
      }
    }
  }
}

TEST(NeedleCase, TooShortALengthIsAUsageError) {
  const text::Tokenizer tok = text::Tokenizer::load(testing::npm_tokenizer_dir("llama2"));
  const PromptMeter meter(tok, data::ChatTemplate::kLlama2);
  const Haystack h(prose(), tok, 200);
  const std::string message =
      testing::error_of([&] { make_needle_case(h, meter, default_needle_text(), 60, 50, 16); });
  EXPECT_TRUE(contains(message, "length 60 leaves no room for a haystack")) << message;
}

}  // namespace
}  // namespace longalign::eval
