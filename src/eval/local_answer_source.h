// Answers from a model folder run in this process: the continuous-batching scheduler generates up
// to `concurrency` answers together, each with the model's chat template.
#pragma once

#include <filesystem>
#include <string>

#include "eval/answer_source.h"
#include "infer/chat_model.h"
#include "infer/scheduler.h"

namespace longalign::eval {

class LocalAnswerSource : public AnswerSource {
 public:
  // An empty `template_name` detects the template (infer::load_chat_model).
  LocalAnswerSource(const std::filesystem::path& model_dir, const std::string& template_name,
                    const infer::EngineOptions& engine, const AnswerSettings& settings);

  // The prompt is cut to settings.max_length tokens, rendered as a user message, and cut again
  // if the template and max_new_tokens would not fit the model's context.
  Answer answer(const std::string& prompt) override;

 private:
  infer::ChatModel model_;
  AnswerSettings settings_;
  infer::Scheduler scheduler_;  // after model_: it holds references into it
};

}  // namespace longalign::eval
