// The prompts of self-instruct: for each of the four task types a request for a numbered list of
// questions about a document, the request that answers one of them, and the training prompt the
// sample keeps; in English and Chinese. The built-in wording is this project's own; a JSON file
// can replace any of it.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synth/language.h"

namespace longalign::synth {

// LongAlign's four kinds of question: about the document as a whole; needing a summary or the
// integration of several parts; needing reasoning in several steps; asking for specific facts.
enum class TaskType { kGeneral, kSummary, kReasoning, kExtraction };
inline constexpr size_t kTaskTypeCount = 4;

// "general", "summary", "reasoning", "extraction".
std::string_view task_type_name(TaskType type);

// The type named by task_type_name, or nullopt.
std::optional<TaskType> find_task_type(std::string_view name);

// The same for a name the user gave: any other name is a UsageError.
TaskType parse_task_type(std::string_view name);

// Templates with placeholders {document}, {question} and {n} (the number of questions asked for).
// Only these three names are placeholders; every other brace is text, so templates may hold JSON
// or code without escaping.
struct LanguagePrompts {
  std::array<std::string, kTaskTypeCount> question;  // by TaskType: {document}, {n}
  std::string answer;                                // {document}, {question}
  std::string sample;  // the user turn of the training sample: {document}, {question}
};

struct PromptSet {
  LanguagePrompts english, chinese;
  const LanguagePrompts& operator[](Language language) const {
    return language == Language::kChinese ? chinese : english;
  }
};

PromptSet builtin_prompts();

// The built-in prompts with the templates a JSON file gives replacing theirs:
//   {"en": {"general": "...", "summary": "...", "reasoning": "...", "extraction": "...",
//           "answer": "...", "sample": "..."}, "zh": {...}}
// Keys may be left out. Throws Error naming the file and key for unknown keys, non-string
// values, and a template without a placeholder it needs ({document} in every template, and
// {question} in "answer" and "sample").
PromptSet load_prompts(const std::filesystem::path& file);

// `tmpl` with each placeholder named in `values` replaced by its value, in one pass (a value is
// never searched for placeholders itself).
std::string fill_template(std::string_view tmpl,
                          const std::vector<std::pair<std::string_view, std::string_view>>& values);

std::string question_prompt(const PromptSet& prompts, Language language, TaskType type,
                            std::string_view document, int questions);
std::string answer_prompt(const PromptSet& prompts, Language language, std::string_view document,
                          std::string_view question);
std::string sample_prompt(const PromptSet& prompts, Language language, std::string_view document,
                          std::string_view question);

}  // namespace longalign::synth
