#include "synth/self_instruct_prompts.h"

#include "core/error.h"
#include "core/json.h"

namespace longalign::synth {

namespace {

constexpr std::array<std::string_view, kTaskTypeCount> kTypeNames = {"general", "summary",
                                                                     "reasoning", "extraction"};

// The document comes first and the request after it: with tens of thousands of tokens between
// them, a model follows an instruction it has just read more reliably than one it read long ago.
// Each request states what makes its type of question distinct, asks for questions the document
// alone answers, and fixes the "1: ..." list the parser reads best.
LanguagePrompts english_prompts() {
  LanguagePrompts p;
  const std::string list =
      " Write only the questions, as a numbered list in the form \"1: ...\", one question a line.";
  p.question[0] =
      "{document}\n\nThe text above is a long document. Write {n} different questions a reader "
      "might ask about it. Each question must be answerable from the document alone, and together "
      "the questions should cover its main topics rather than a single passage." +
      list;
  p.question[1] =
      "{document}\n\nThe text above is a long document. Write {n} questions whose answers require "
      "summarizing the document or bringing together information from several of its parts: "
      "comparing sections, tracing how a topic develops, or stating the overall argument. No "
      "question should be answerable from a single sentence." +
      list;
  p.question[2] =
      "{document}\n\nThe text above is a long document. Write {n} questions that can only be "
      "answered by reasoning in several steps over facts stated in different places of the "
      "document: linking a cause to its effect, combining figures, or following a chain of "
      "references. Every answer must follow from the document, not from outside knowledge." +
      list;
  p.question[3] =
      "{document}\n\nThe text above is a long document. Write {n} questions that ask for specific "
      "information stated in it: names, dates, numbers, definitions, or particular details a "
      "reader would have to look up. Each question should have a precise answer found in the "
      "text." +
      list;
  p.answer =
      "{document}\n\nAnswer the following question using the document above. Base the answer on "
      "the document, cite specifics from it where they help, and be complete but concise.\n\n"
      "Question: {question}";
  p.sample = "{document}\n\n{question}";
  return p;
}

LanguagePrompts chinese_prompts() {
  LanguagePrompts p;
  const std::string list = "只写出问题，按“1: ……”的格式编号，每行一个问题。";
  p.question[0] =
      "{document}\n\n以上是一篇长文档。请提出{n}个读者可能会问的不同问题。每个问题都必须能够仅凭"
      "文档内容回答，所有问题合起来应涵盖文档的主要内容，而不是只针对某一段落。" +
      list;
  p.question[1] =
      "{document}\n\n以上是一篇长文档。请提出{n}个需要概括全文或综合文档中多个部分的信息才能回答"
      "的问题，例如比较不同章节、梳理某个主题的发展脉络、归纳全文的主要观点。任何一个问题都不应"
      "仅凭一句话就能回答。" +
      list;
  p.question[2] =
      "{document}\n\n以上是一篇长文档。请提出{n}个需要对文档中不同位置的事实进行多步推理才能回答"
      "的问题，例如把原因与结果联系起来、综合多个数据，或沿着一系列引用逐步推断。答案必须能从文档"
      "中推出，而不依赖外部知识。" +
      list;
  p.question[3] =
      "{document}\n\n以上是一篇长文档。请提出{n}个询问文档中具体信息的问题，例如人名、日期、数字、"
      "定义，或读者需要查找才能知道的细节。每个问题都应在文中有明确的答案。" +
      list;
  p.answer =
      "{document}\n\n请根据以上文档回答下面的问题。答案应以文档内容为依据，必要时引用文中的具体"
      "信息，做到完整而简洁。\n\n问题：{question}";
  p.sample = "{document}\n\n{question}";
  return p;
}

void require_placeholder(const std::string& tmpl, std::string_view name, const std::string& where) {
  std::string placeholder;
  placeholder.append(1, '{').append(name).append(1, '}');
  if (tmpl.find(placeholder) == std::string::npos) {
    throw Error(where + ": the template has no " + placeholder);
  }
}

// Replaces the templates `object` names in `prompts`.
void override_language(const Json& object, LanguagePrompts& prompts, const std::string& where) {
  if (!object.is_object()) throw Error(where + ": expected an object of templates");
  for (const auto& [key, value] : object.items()) {
    const std::string field = where + "." + key;
    if (!value.is_string()) throw Error(field + ": expected a string");
    std::string tmpl = value.get<std::string>();
    require_placeholder(tmpl, "document", field);
    if (key == "answer" || key == "sample") {
      require_placeholder(tmpl, "question", field);
      (key == "answer" ? prompts.answer : prompts.sample) = std::move(tmpl);
      continue;
    }
    const auto type = find_task_type(key);
    if (!type) {
      throw Error(field +
                  ": unknown template (expected general, summary, reasoning, "
                  "extraction, answer or sample)");
    }
    prompts.question[static_cast<size_t>(*type)] = std::move(tmpl);
  }
}

}  // namespace

std::string_view task_type_name(TaskType type) {
  return kTypeNames[static_cast<size_t>(type)];
}

std::optional<TaskType> find_task_type(std::string_view name) {
  for (size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) return static_cast<TaskType>(i);
  }
  return std::nullopt;
}

TaskType parse_task_type(std::string_view name) {
  if (const auto type = find_task_type(name)) return *type;
  throw UsageError("unknown task type \"" + std::string(name) +
                   "\" (expected general, summary, reasoning or extraction)");
}

PromptSet builtin_prompts() {
  return {english_prompts(), chinese_prompts()};
}

PromptSet load_prompts(const std::filesystem::path& file) {
  const Json j = read_json_file(file);
  const std::string where = file.string();
  if (!j.is_object()) throw Error(where + ": expected an object with \"en\" and/or \"zh\"");
  PromptSet prompts = builtin_prompts();
  for (const auto& [key, value] : j.items()) {
    if (key == "en") {
      override_language(value, prompts.english, where + ": en");
    } else if (key == "zh") {
      override_language(value, prompts.chinese, where + ": zh");
    } else {
      throw Error(where + ": unknown language \"" + key + "\" (expected en or zh)");
    }
  }
  return prompts;
}

std::string fill_template(
    std::string_view tmpl,
    const std::vector<std::pair<std::string_view, std::string_view>>& values) {
  std::string out;
  size_t reserve = tmpl.size();
  for (const auto& [name, value] : values) reserve += value.size();
  out.reserve(reserve);
  for (size_t i = 0; i < tmpl.size();) {
    bool replaced = false;
    if (tmpl[i] == '{') {
      for (const auto& [name, value] : values) {
        const std::string_view rest = tmpl.substr(i + 1);
        if (rest.starts_with(name) && rest.substr(name.size()).starts_with('}')) {
          out += value;
          i += name.size() + 2;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += tmpl[i++];
  }
  return out;
}

std::string question_prompt(const PromptSet& prompts, Language language, TaskType type,
                            std::string_view document, int questions) {
  const std::string n = std::to_string(questions);
  return fill_template(prompts[language].question[static_cast<size_t>(type)],
                       {{"document", document}, {"n", n}});
}

std::string answer_prompt(const PromptSet& prompts, Language language, std::string_view document,
                          std::string_view question) {
  return fill_template(prompts[language].answer, {{"document", document}, {"question", question}});
}

std::string sample_prompt(const PromptSet& prompts, Language language, std::string_view document,
                          std::string_view question) {
  return fill_template(prompts[language].sample, {{"document", document}, {"question", question}});
}

}  // namespace longalign::synth
