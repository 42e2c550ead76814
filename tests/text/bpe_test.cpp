// BPE over whole texts (SentencePiece-style vocabularies, no pre-tokenizer): cutting the text
// before "▁" must never change the ids, so it is only done when no token could span the cut.
#include <gtest/gtest.h>

#include "core/json.h"
#include "test_support.h"
#include "text/tokenizer.h"

namespace longalign::text {
namespace {

// A Llama-2-shaped tokenizer.json: Prepend + Replace normalizers, BPE over the whole text.
std::string sentencepiece_style(const Json& vocab, const Json& merges) {
  Json j = {
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         {{{"type", "Prepend"}, {"prepend", "\u2581"}},
          {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}}}}}},
      {"pre_tokenizer", nullptr},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}},
  };
  return j.dump();
}

std::vector<TokenId> encode_with(const std::string& json, const std::string& text) {
  longalign::testing::TempDir dir;
  const auto tok = Tokenizer::load(dir.write("tokenizer.json", json));
  return tok.encode(text);
}

TEST(Bpe, TokenSpanningAWordBoundaryIsStillFound) {
  // "x▁y" is a token, so a cut before "▁" would lose it.
  const Json vocab = {{"\u2581", 0},  {"x", 1},       {"y", 2},        {"\u2581x", 3},
                      {"\u2581y", 4}, {"x\u2581", 5}, {"x\u2581y", 6}, {"\u2581x\u2581y", 7}};
  const Json merges = {"x \u2581", "x\u2581 y", "\u2581 x\u2581y"};
  EXPECT_EQ(encode_with(sentencepiece_style(vocab, merges), "x y"), (std::vector<TokenId>{7}));
}

TEST(Bpe, CutTextGivesTheSameIdsAsWholeTextMerging) {
  // No token has "▁" after another character, so words merge independently.
  Json vocab = {{"\u2581", 0},
                {"a", 1},
                {"b", 2},
                {"\u2581a", 3},
                {"\u2581\u2581", 4},
                {"\u2581ab", 5},
                {"\u2581\u2581a", 6},
                {"ab", 7},
                {"\u2581\u2581\u2581", 8}};
  const Json merges = {"\u2581 a",       "\u2581 \u2581", "\u2581a b",
                       "\u2581\u2581 a", "a b",           "\u2581\u2581 \u2581"};
  const std::string cut = sentencepiece_style(vocab, merges);
  // "▁ab▁▁a▁b": "▁ab" | "▁▁a" ("▁ a" outranks "▁ ▁") | "▁b".
  EXPECT_EQ(encode_with(cut, "ab  a b"), (std::vector<TokenId>{5, 0, 3, 0, 2}));

  // The same vocabulary plus a token no merge can reach but that has "b▁": the tokenizer must
  // then merge whole texts. Both must agree on every text.
  vocab["b\u2581a"] = 9;
  const std::string whole = sentencepiece_style(vocab, merges);
  longalign::testing::TempDir dir;
  const auto a = Tokenizer::load(dir.write("cut/tokenizer.json", cut));
  const auto b = Tokenizer::load(dir.write("whole/tokenizer.json", whole));
  uint64_t state = 12345;
  for (int n = 0; n < 500; ++n) {
    std::string text;
    const size_t length = 1 + n % 60;
    for (size_t i = 0; i < length; ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      text += " ab"[(state >> 33) % 3];
    }
    ASSERT_EQ(a.encode(text), b.encode(text)) << "text: \"" << text << "\"";
  }
}

TEST(Bpe, ByteFallbackSpellsTheAffixedCharacter) {
  // Hugging Face looks up "##b" and, failing that, falls back to the bytes of "##b" itself.
  const Json j = {
      {"model",
       {{"type", "BPE"},
        {"vocab", {{"a", 0}, {"<0x23>", 1}, {"<0x62>", 2}, {"##c", 3}}},
        {"merges", Json::array()},
        {"continuing_subword_prefix", "##"},
        {"byte_fallback", true}}},
  };
  EXPECT_EQ(encode_with(j.dump(), "abc"), (std::vector<TokenId>{0, 1, 1, 2, 3}));
}

}  // namespace
}  // namespace longalign::text
