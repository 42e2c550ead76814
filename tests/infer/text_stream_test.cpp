// Streamed text with a real tokenizer (Llama 2's, with byte fallback): stop strings across token
// boundaries, held-back prefixes of stop strings, incomplete UTF-8 held back, and middle
// truncation.
#include "infer/text_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "infer/chat_model.h"
#include "test_support.h"
#include "text/tokenizer.h"

namespace longalign::infer {
namespace {

const text::Tokenizer& llama2() {
  static const text::Tokenizer t = text::Tokenizer::load(testing::npm_tokenizer_dir("llama2"));
  return t;
}

std::vector<int32_t> encode(const std::string& s) {
  const std::vector<text::TokenId> ids = llama2().encode(s);
  return std::vector<int32_t>(ids.begin(), ids.end());
}

struct Streamed {
  std::vector<std::string> deltas;  // one per token, then finish()'s
  std::string joined;
  bool stopped = false;
  std::string text;
};

Streamed stream(const std::vector<int32_t>& tokens, std::vector<std::string> stops) {
  TextStream s(llama2(), std::move(stops));
  Streamed out;
  for (const int32_t t : tokens) {
    out.deltas.push_back(s.push(t));
    if (s.stopped()) break;
  }
  out.deltas.push_back(s.finish());
  for (const std::string& d : out.deltas) out.joined += d;
  out.stopped = s.stopped();
  out.text = s.text();
  return out;
}

TEST(TextStream, WithoutStopsTheDeltasSpellTheDecodedText) {
  const std::string text = "Hello world, this is a test of streaming.";
  const Streamed s = stream(encode(text), {});
  EXPECT_EQ(s.joined, text);
  EXPECT_EQ(s.text, text);
  EXPECT_FALSE(s.stopped);
}

TEST(TextStream, StopStringAcrossTokensCutsTheTextBeforeIt) {
  const std::vector<int32_t> tokens = encode("The answer is forty two. Question: next");
  // "wo. Quest" spans several tokens and starts inside one.
  const Streamed s = stream(tokens, {"nothing", "wo. Quest"});
  EXPECT_TRUE(s.stopped);
  EXPECT_EQ(s.text, "The answer is forty t");
  EXPECT_EQ(s.joined, "The answer is forty t");
}

TEST(TextStream, APossibleStopPrefixIsHeldBackUntilItIsNotOne) {
  const std::vector<int32_t> tokens = encode("alpha beta gamma");
  TextStream s(llama2(), {" beta delta"});
  std::string shown;
  for (const int32_t t : tokens) {
    shown += s.push(t);
    // Nothing of " beta" may be shown while it could still become the stop string.
    const std::string& all = s.text();
    if (all == "alpha beta") {
      EXPECT_EQ(shown, "alpha");
    }
  }
  shown += s.finish();
  EXPECT_FALSE(s.stopped());
  EXPECT_EQ(shown, "alpha beta gamma");
}

TEST(TextStream, AStopPrefixAtTheEndIsReleasedByFinish) {
  TextStream s(llama2(), {"ab"});
  std::string shown;
  for (const int32_t t : encode("xa")) shown += s.push(t);
  EXPECT_EQ(shown, "x");
  EXPECT_EQ(s.finish(), "a");
}

TEST(TextStream, IncompleteUtf8FromByteTokensIsHeldBack) {
  const std::vector<int32_t> tokens = encode("ok 🦙 ok");
  // The llama is not in the vocabulary: four byte-fallback tokens <0xF0> <0x9F> <0xA6> <0x99>.
  const auto lead = static_cast<int32_t>(*llama2().token_to_id("<0xF0>"));
  ASSERT_NE(std::find(tokens.begin(), tokens.end(), lead), tokens.end());
  const Streamed s = stream(tokens, {});
  EXPECT_EQ(s.joined, "ok 🦙 ok");
  for (const std::string& d : s.deltas) {
    EXPECT_EQ(d.find("\xEF\xBF\xBD"), std::string::npos) << "a delta holds U+FFFD";
  }
}

TEST(TextStream, StopsAfterAStopStringIgnoreLaterTokens) {
  TextStream s(llama2(), {"b"});
  for (const int32_t t : encode("abc")) s.push(t);
  EXPECT_TRUE(s.stopped());
  EXPECT_EQ(s.text(), "a");
  EXPECT_EQ(s.push(encode("z")[0]), "");
}

TEST(MiddleTruncate, KeepsTheFirstAndLastHalves) {
  const std::vector<int32_t> ids = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(middle_truncate(ids, 4), (std::vector<int32_t>{0, 1, 8, 9}));
  EXPECT_EQ(middle_truncate(ids, 5), (std::vector<int32_t>{0, 1, 7, 8, 9}));
  EXPECT_EQ(middle_truncate(ids, 1), (std::vector<int32_t>{9}));
  EXPECT_EQ(middle_truncate(ids, 10), ids);
  EXPECT_EQ(middle_truncate(ids, 0), ids);
}

}  // namespace
}  // namespace longalign::infer
