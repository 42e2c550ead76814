// The numbered-list parser on replies written the ways models write them.
#include <gtest/gtest.h>

#include "synth/question_list.h"

namespace longalign::synth {
namespace {

using Items = std::vector<std::string>;

TEST(QuestionList, NumberDelimiters) {
  const Items want = {"What is A?", "Why B?", "How C?"};
  EXPECT_EQ(parse_question_list("1: What is A?\n2: Why B?\n3: How C?"), want);
  EXPECT_EQ(parse_question_list("1. What is A?\n2. Why B?\n3. How C?\n"), want);
  EXPECT_EQ(parse_question_list("1) What is A?\n2) Why B?\n3) How C?"), want);
  EXPECT_EQ(parse_question_list("(1) What is A?\n(2) Why B?\n(3) How C?"), want);
  EXPECT_EQ(parse_question_list("Q1: What is A?\nQ2. Why B?\nQ3) How C?"), want);
  EXPECT_EQ(parse_question_list("Question 1: What is A?\nQuestion 2: Why B?\nQuestion 3: How C?"),
            want);
  EXPECT_EQ(parse_question_list("Q1 What is A?\nQ2 Why B?\nQ3 How C?"), want);
  EXPECT_EQ(parse_question_list("1.What is A?\n2.Why B?\n3.How C?").size(), 0u)
      << "\"1.W\" could be anything; a half-width dot needs a space after it";
}

TEST(QuestionList, ChineseDelimiters) {
  const Items want = {"甲是什么？", "乙为何发生？", "丙如何影响丁？"};
  EXPECT_EQ(parse_question_list("1、甲是什么？\n2、乙为何发生？\n3、丙如何影响丁？"), want);
  EXPECT_EQ(parse_question_list("1．甲是什么？\n2：乙为何发生？\n3）丙如何影响丁？"), want);
  EXPECT_EQ(parse_question_list("（1）甲是什么？\n（2）乙为何发生？\n（3）丙如何影响丁？"), want);
  EXPECT_EQ(parse_question_list("问题1：甲是什么？\n问题2：乙为何发生？\n问题3：丙如何影响丁？"),
            want);
  EXPECT_EQ(parse_question_list("\xE3\x80\x80"
                                "1: 甲是什么？\xE3\x80\x80\n2: 乙为何发生？\n3: "
                                "丙如何影响丁？"),
            want)
      << "ideographic spaces are trimmed";
}

TEST(QuestionList, Bullets) {
  const Items want = {"What is A?", "Why B?", "How C?"};
  EXPECT_EQ(parse_question_list("- What is A?\n- Why B?\n- How C?"), want);
  EXPECT_EQ(parse_question_list("* What is A?\n* Why B?\n* How C?"), want);
  EXPECT_EQ(parse_question_list("• What is A?\n•Why B?\n• How C?"), want);
}

TEST(QuestionList, TextBeforeAndAfterTheList) {
  const std::string reply =
      "Sure! Here are three questions about the document:\n\n"
      "1: What is A?\n2: Why B?\n3: How C?\n\n"
      "These questions cover the main themes of the text.";
  EXPECT_EQ(parse_question_list(reply), (Items{"What is A?", "Why B?", "How C?"}));
  // A remark right after the last item, with no blank line, is not part of a finished question.
  EXPECT_EQ(parse_question_list("1. What is A?\n2. Why B?\nI hope these help."),
            (Items{"What is A?", "Why B?"}));
}

TEST(QuestionList, WrappedLinesAndBlankLinesBetweenItems) {
  const std::string reply =
      "1. What does the author argue about the\n"
      "   relation between A and B, and how\n"
      "   is it supported?\n\n"
      "2. Why B?\n\n"
      "3.\n"
      "How C?\n";
  EXPECT_EQ(parse_question_list(reply),
            (Items{"What does the author argue about the relation between A and B, and how is it "
                   "supported?",
                   "Why B?", "How C?"}));
  EXPECT_EQ(parse_question_list("1、作者认为甲和乙之间\n有什么关系？\n2、乙为何发生？"),
            (Items{"作者认为甲和乙之间有什么关系？", "乙为何发生？"}))
      << "Chinese lines join without a space";
}

TEST(QuestionList, MarkdownBold) {
  const Items want = {"What is A?", "Why B?"};
  EXPECT_EQ(parse_question_list("**1.** What is A?\n**2.** Why B?"), want);
  EXPECT_EQ(parse_question_list("1. **What is A?**\n2. **Why B?**"), want);
  EXPECT_EQ(parse_question_list("**1. What is A?**\n**2. Why B?**"), want);
  EXPECT_EQ(parse_question_list("**Questions**\n1. What is A?\n2. Why B?"), want);
}

TEST(QuestionList, NumberedListWinsOverBullets) {
  // Bullets under numbered items are hints, and a bulleted introduction is not a question.
  const std::string reply =
      "- Here are the questions:\n"
      "1. What is A?\n"
      "   - Consider section 2.\n"
      "2. Why B?\n"
      "   * Look at the table.\n";
  EXPECT_EQ(parse_question_list(reply), (Items{"What is A?", "Why B?"}));
}

TEST(QuestionList, NumbersThatAreNotItems) {
  const std::string reply =
      "1. What happened in the year\n"
      "2023. Was it the flood?\n"
      "2. When does the meeting start, at\n"
      "10:30 or later?\n"
      "3. What is 3.5 times the rate?";
  EXPECT_EQ(parse_question_list(reply), (Items{"What happened in the year 2023. Was it the flood?",
                                               "When does the meeting start, at 10:30 or later?",
                                               "What is 3.5 times the rate?"}));
}

TEST(QuestionList, RepeatsAndEmptyItemsDropped) {
  EXPECT_EQ(parse_question_list("1. What is A?\n2. \n3. What is A?\n4. Why B?\r\n"),
            (Items{"What is A?", "Why B?"}));
}

TEST(QuestionList, NoListAtAll) {
  EXPECT_TRUE(parse_question_list("").empty());
  EXPECT_TRUE(parse_question_list("I cannot write questions about this document.").empty());
  EXPECT_TRUE(parse_question_list("ksd 17 flq\n\x7f zz 300. qq").empty());
}

}  // namespace
}  // namespace longalign::synth
