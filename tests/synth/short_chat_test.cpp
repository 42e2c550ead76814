// The short chat samples: deterministic for a seed, kinds in turn, and every answer what the
// request asks for, checked by redoing the request from its text.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "core/error.h"
#include "synth/short_chat.h"

namespace longalign::synth {
namespace {

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// The request's payload: the text after the first ": ".
std::string payload(const std::string& prompt) {
  const size_t colon = prompt.find(": ");
  return colon == std::string::npos ? "" : prompt.substr(colon + 2);
}

TEST(ShortChat, KindsTakeTurnsAndAnswersFollowFromTheRequest) {
  const auto kinds = all_chat_kinds();
  const auto samples = generate_short_chats(400, 3, kinds);
  ASSERT_EQ(samples.size(), 400u);
  const std::regex sum(R"(What is (\d+) \+ (\d+)\?)"), difference(R"(What is (\d+) minus (\d+)\?)");
  for (size_t i = 0; i < samples.size(); ++i) {
    const ChatSample& s = samples[i];
    ASSERT_EQ(s.kind, kinds[i % kinds.size()]) << i;
    ASSERT_FALSE(s.answer.empty()) << s.prompt;
    std::smatch m;
    switch (s.kind) {
      case ChatKind::kArithmetic:
        if (std::regex_match(s.prompt, m, sum)) {
          EXPECT_EQ(s.answer, std::to_string(std::stoi(m[1]) + std::stoi(m[2]))) << s.prompt;
        } else {
          ASSERT_TRUE(std::regex_match(s.prompt, m, difference)) << s.prompt;
          EXPECT_GE(std::stoi(m[1]), std::stoi(m[2])) << s.prompt;
          EXPECT_EQ(s.answer, std::to_string(std::stoi(m[1]) - std::stoi(m[2]))) << s.prompt;
        }
        break;
      case ChatKind::kCopy:
        EXPECT_EQ(s.answer, payload(s.prompt)) << s.prompt;
        break;
      case ChatKind::kReverse: {
        auto words = split_words(payload(s.prompt));
        std::reverse(words.begin(), words.end());
        EXPECT_EQ(split_words(s.answer), words) << s.prompt;
        EXPECT_GE(words.size(), 2u);
        break;
      }
      case ChatKind::kUppercase: {
        std::string upper = payload(s.prompt);
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        EXPECT_EQ(s.answer, upper) << s.prompt;
        EXPECT_TRUE(std::regex_match(s.answer, std::regex("[A-Z ]+"))) << s.answer;
        break;
      }
      case ChatKind::kRecall: {
        const std::regex said(R"(My ([a-z ]+) code is (\d{5,7})\. I keep [a-z ]+ at home\. )"
                              R"(What is my ([a-z ]+) code\?)");
        ASSERT_TRUE(std::regex_match(s.prompt, m, said)) << s.prompt;
        EXPECT_EQ(m[1], m[3]) << s.prompt;
        EXPECT_EQ(s.answer, m[2]) << s.prompt;
        break;
      }
    }
  }
}

TEST(ShortChat, SameSeedSameSamplesAndPrefixesAgree) {
  const auto kinds = all_chat_kinds();
  const auto a = generate_short_chats(50, 9, kinds), b = generate_short_chats(80, 9, kinds);
  const auto other = generate_short_chats(50, 10, kinds);
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].prompt, b[i].prompt);
    EXPECT_EQ(a[i].answer, b[i].answer);
    differ += a[i].prompt != other[i].prompt;
  }
  EXPECT_GT(differ, 40u);
}

TEST(ShortChat, RotationSetsTheShareOfEachKind) {
  const std::vector<ChatKind> rotation = {ChatKind::kCopy, ChatKind::kRecall, ChatKind::kCopy};
  const auto samples = generate_short_chats(30, 1, rotation);
  EXPECT_EQ(std::count_if(samples.begin(), samples.end(),
                          [](const ChatSample& s) { return s.kind == ChatKind::kCopy; }),
            20);
  EXPECT_EQ(samples[1].kind, ChatKind::kRecall);
  EXPECT_THROW(generate_short_chats(1, 1, {}), UsageError);
}

TEST(ShortChat, JsonRecordIsAChatWithTaskAndAnswer) {
  const ChatSample s{ChatKind::kReverse, "Reverse the order of these words: a b", "b a"};
  const Json j = chat_sample_to_json(s);
  EXPECT_EQ(j.dump(),
            R"({"answer":"b a","messages":[{"content":"Reverse the order of these words: a b",)"
            R"("role":"user"},{"content":"b a","role":"assistant"}],"task":"chat-reverse"})");
}

}  // namespace
}  // namespace longalign::synth
