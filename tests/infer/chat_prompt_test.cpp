// The prompt for the next answer is the training rendering of the same conversation cut where the
// answer's first target token starts, for every template whose markers the fixture tokenizers
// have; and the end-of-turn tokens are the markers that end answers in training.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "data/chat_template.h"
#include "test_support.h"

namespace longalign::data {
namespace {

struct Case {
  ChatTemplate chat_template;
  const char* tokenizer;
};

const Case kCases[] = {{ChatTemplate::kLlama2, "llama2"},
                       {ChatTemplate::kMistral, "llama2"},
                       {ChatTemplate::kPlain, "llama2"},
                       {ChatTemplate::kLlama3, "llama3"},
                       {ChatTemplate::kChatml, "qwen3"}};

const text::Tokenizer& tokenizer(const std::string& name) {
  static std::map<std::string, text::Tokenizer> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    it = cache.emplace(name, text::Tokenizer::load(testing::npm_tokenizer_dir(name))).first;
  }
  return it->second;
}

TEST(ChatPrompt, IsTheTrainingRenderingCutWhereTheLastAnswerStarts) {
  for (const Case& c : kCases) {
    const text::Tokenizer& t = tokenizer(c.tokenizer);
    for (const bool with_system : {false, true}) {
      std::vector<ChatMessage> messages;
      if (with_system) messages.push_back({Role::system, "Be brief."});
      messages.push_back({Role::user, "What is 2+2?"});
      messages.push_back({Role::assistant, "4."});
      messages.push_back({Role::user, "And 3+3?"});
      const std::vector<text::TokenId> prompt = tokenize_prompt(messages, c.chat_template, t);
      ChatRecord record;
      record.messages = messages;
      record.messages.push_back({Role::assistant, "6."});
      const TokenizedChat full = tokenize_chat(record, c.chat_template, t);
      // The last answer's first target token: where the last run of targets starts.
      size_t start = 0;
      for (size_t i = 0; i < full.mask.size(); ++i) {
        if (full.mask[i] == 1 && (i == 0 || full.mask[i - 1] == 0)) start = i;
      }
      SCOPED_TRACE(chat_template_name(c.chat_template));
      ASSERT_EQ(prompt.size(), start);
      EXPECT_TRUE(std::equal(prompt.begin(), prompt.end(), full.ids.begin()));
      // The answer's last target token, which ends the turn, is one of the stop tokens.
      const std::vector<text::TokenId> ends = end_of_turn_tokens(c.chat_template, t);
      size_t last = full.mask.size() - 1;
      while (full.mask[last] == 0) --last;
      const text::TokenId last_target = full.ids[last];
      EXPECT_NE(std::find(ends.begin(), ends.end(), last_target), ends.end());
    }
  }
}

TEST(ChatPrompt, RefusesMessagesThatDoNotEndWithAUserTurn) {
  const text::Tokenizer& t = tokenizer("llama2");
  const std::vector<ChatMessage> ends_with_answer = {{Role::user, "q"}, {Role::assistant, "a"}};
  EXPECT_TRUE(testing::contains(
      testing::error_of([&] { tokenize_prompt(ends_with_answer, ChatTemplate::kLlama2, t); }),
      "must end with a user message"));
  const std::vector<ChatMessage> two_users = {{Role::user, "q"}, {Role::user, "q2"}};
  EXPECT_TRUE(testing::contains(
      testing::error_of([&] { tokenize_prompt(two_users, ChatTemplate::kLlama2, t); }),
      "assistant answer belongs"));
  EXPECT_TRUE(testing::contains(
      testing::error_of([&] { tokenize_prompt({}, ChatTemplate::kLlama2, t); }), "user message"));
}

}  // namespace
}  // namespace longalign::data
