// Cutting long prompts in the middle: by the model's tokenizer, and by the character estimate.
#include <gtest/gtest.h>

#include "eval/cjk.h"
#include "eval/prompt_truncation.h"
#include "test_support.h"

namespace longalign::eval {
namespace {

TEST(PromptTruncation, EstimateKeepsBothEndsWithinTheBudget) {
  // 40 ASCII characters are 10 estimated tokens: within 10, cut below.
  const std::string text = "0123456789abcdefghijABCDEFGHIJklmnopqrst";
  EXPECT_FALSE(truncate_to_estimated_tokens(text, 10).truncated);
  const TruncatedPrompt cut = truncate_to_estimated_tokens(text, 5);
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.text, "0123456789klmnopqrst");  // 10 characters (2.5 tokens) from each end
}

TEST(PromptTruncation, EstimateCountsAnIdeographAsAToken) {
  const std::string text = "甲乙丙丁戊己庚辛";  // 8 ideographs: 8 estimated tokens
  EXPECT_FALSE(truncate_to_estimated_tokens(text, 8).truncated);
  EXPECT_EQ(truncate_to_estimated_tokens(text, 4).text, "甲乙庚辛");
  EXPECT_EQ(truncate_to_estimated_tokens("ab甲乙丙丁cd", 3).text, "ab甲丁cd");
}

TEST(PromptTruncation, ByTokensKeepsTheFirstAndLastHalves) {
  const text::Tokenizer tok = text::Tokenizer::load(testing::npm_tokenizer_dir("llama2"));
  std::string text;
  for (int i = 0; i < 50; ++i) text += (i ? " word" : "word") + std::to_string(i);
  const auto ids = tok.encode(text);
  EXPECT_FALSE(truncate_to_tokens(text, tok, ids.size()).truncated);
  const TruncatedPrompt cut = truncate_to_tokens(text, tok, 20);
  EXPECT_TRUE(cut.truncated);
  EXPECT_LT(tok.encode(cut.text).size(), ids.size() / 2);
  EXPECT_EQ(cut.text.rfind("word0 word1", 0), 0u) << cut.text;
  EXPECT_TRUE(testing::contains(cut.text, "word49")) << cut.text;
  EXPECT_FALSE(testing::contains(cut.text, "word25")) << cut.text;
}

TEST(Cjk, ChineseQueriesAreTold) {
  EXPECT_TRUE(has_cjk("这座城市沿着什么发展？"));
  EXPECT_TRUE(has_cjk("Summarize 第三章 please"));
  EXPECT_FALSE(has_cjk("Which river runs through the city?"));
  EXPECT_FALSE(has_cjk("カタカナ and 한국어"));
  EXPECT_FALSE(has_cjk("bad \xff byte"));
}

}  // namespace
}  // namespace longalign::eval
