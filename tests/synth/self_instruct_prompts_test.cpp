// The self-instruct templates: filling, the built-in wording in both languages, and templates
// from a file.
#include <gtest/gtest.h>

#include "synth/self_instruct_prompts.h"
#include "test_support.h"

namespace longalign::synth {
namespace {

using testing::contains;
using testing::error_of;

TEST(SelfInstructPrompts, FillReplacesOnlyNamedPlaceholdersInOnePass) {
  EXPECT_EQ(
      fill_template("{document}\n\nWrite {n} questions. {n}!", {{"document", "D"}, {"n", "5"}}),
      "D\n\nWrite 5 questions. 5!");
  // Other braces are text, so JSON and code survive; a value is never expanded again.
  EXPECT_EQ(fill_template(R"({"a": {x}} {question} {document})",
                          {{"question", "{document}"}, {"document", "doc"}}),
            R"({"a": {x}} {document} doc)");
  EXPECT_EQ(fill_template("{docu {document", {{"document", "D"}}), "{docu {document");
}

TEST(SelfInstructPrompts, BuiltInTemplatesPerTypeAndLanguage) {
  const PromptSet p = builtin_prompts();
  for (const Language lang : {Language::kEnglish, Language::kChinese}) {
    for (size_t t = 0; t < kTaskTypeCount; ++t) {
      const std::string q = question_prompt(p, lang, static_cast<TaskType>(t), "THE DOC", 5);
      EXPECT_TRUE(q.starts_with("THE DOC\n\n")) << q;
      EXPECT_TRUE(contains(q, "5")) << q;
      EXPECT_FALSE(contains(q, "{n}")) << q;
      EXPECT_TRUE(contains(q, "1: ")) << "the list format the parser reads best: " << q;
      for (size_t other = 0; other < t; ++other) {
        EXPECT_NE(q, question_prompt(p, lang, static_cast<TaskType>(other), "THE DOC", 5));
      }
    }
    const std::string a = answer_prompt(p, lang, "THE DOC", "Why?");
    EXPECT_TRUE(a.starts_with("THE DOC\n\n") && a.ends_with("Why?")) << a;
    EXPECT_EQ(sample_prompt(p, lang, "THE DOC", "Why?"), "THE DOC\n\nWhy?");
  }
  EXPECT_TRUE(contains(question_prompt(p, Language::kEnglish, TaskType::kReasoning, "D", 5),
                       "several steps"));
  EXPECT_TRUE(
      contains(question_prompt(p, Language::kChinese, TaskType::kReasoning, "D", 5), "多步推理"));
  EXPECT_TRUE(
      contains(question_prompt(p, Language::kChinese, TaskType::kGeneral, "D", 7), "请提出7个"));
  EXPECT_TRUE(contains(answer_prompt(p, Language::kChinese, "D", "为何？"), "问题：为何？"));
}

TEST(SelfInstructPrompts, TaskTypeNames) {
  for (size_t t = 0; t < kTaskTypeCount; ++t) {
    const auto type = static_cast<TaskType>(t);
    EXPECT_EQ(parse_task_type(task_type_name(type)), type);
  }
  EXPECT_TRUE(contains(error_of([] { parse_task_type("multihop"); }), "\"multihop\""));
  EXPECT_FALSE(find_task_type("General"));
}

TEST(SelfInstructPrompts, FileReplacesSomeTemplates) {
  testing::TempDir dir;
  const auto file = dir.write("p.json", R"({"en": {"summary": "Summarise {document} in {n}",
      "answer": "Q={question} D={document}"}, "zh": {"sample": "{question}||{document}"}})");
  const PromptSet p = load_prompts(file);
  EXPECT_EQ(question_prompt(p, Language::kEnglish, TaskType::kSummary, "X", 3), "Summarise X in 3");
  EXPECT_EQ(answer_prompt(p, Language::kEnglish, "X", "Y"), "Q=Y D=X");
  EXPECT_EQ(sample_prompt(p, Language::kChinese, "X", "Y"), "Y||X");
  // Templates the file leaves out keep the built-in wording.
  EXPECT_EQ(question_prompt(p, Language::kEnglish, TaskType::kGeneral, "X", 3),
            question_prompt(builtin_prompts(), Language::kEnglish, TaskType::kGeneral, "X", 3));
  EXPECT_EQ(sample_prompt(p, Language::kEnglish, "X", "Y"), "X\n\nY");
}

TEST(SelfInstructPrompts, FileErrorsNameTheKey) {
  testing::TempDir dir;
  const auto load = [&](const std::string& json) {
    return error_of([&] { load_prompts(dir.write("p.json", json)); });
  };
  EXPECT_TRUE(contains(load(R"({"fr": {}})"), "unknown language \"fr\""));
  EXPECT_TRUE(contains(load(R"({"en": {"genral": "{document}"}})"), "en.genral: unknown template"));
  EXPECT_TRUE(contains(load(R"({"en": {"general": 3}})"), "en.general: expected a string"));
  EXPECT_TRUE(contains(load(R"({"zh": {"general": "no doc {n}"}})"),
                       "zh.general: the template "
                       "has no {document}"));
  EXPECT_TRUE(contains(load(R"({"en": {"answer": "{document} only"}})"), "has no {question}"));
  EXPECT_TRUE(contains(load(R"({"en": )"), "p.json"));
}

}  // namespace
}  // namespace longalign::synth
