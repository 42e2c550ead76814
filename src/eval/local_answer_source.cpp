#include "eval/local_answer_source.h"

#include <algorithm>
#include <vector>

#include "eval/prompt_truncation.h"

namespace longalign::eval {

LocalAnswerSource::LocalAnswerSource(const std::filesystem::path& model_dir,
                                     const std::string& template_name,
                                     const infer::EngineOptions& engine,
                                     const AnswerSettings& settings)
    : model_(infer::load_chat_model(model_dir, template_name, engine)),
      settings_(settings),
      scheduler_(*model_.engine, *model_.tokenizer,
                 {.max_running = settings.concurrency, .max_queued = settings.concurrency}) {}

Answer LocalAnswerSource::answer(const std::string& prompt) {
  const TruncatedPrompt cut =
      truncate_to_tokens(prompt, *model_.tokenizer, static_cast<size_t>(settings_.max_length));
  std::vector<int32_t> ids = infer::chat_prompt(model_, {{data::Role::user, cut.text}});
  const int64_t room =
      std::max<int64_t>(1, model_.engine->max_context() - settings_.max_new_tokens);
  const bool over_context = static_cast<int64_t>(ids.size()) > room;
  infer::GenerationRequest request;
  request.prompt = infer::middle_truncate(std::move(ids), static_cast<size_t>(room));
  request.sampling.temperature = 0;
  request.sampling.seed = settings_.seed;
  request.max_new_tokens = settings_.max_new_tokens;
  request.stop_tokens = model_.stop_tokens;
  const infer::GenerationResult result = scheduler_.run(std::move(request));
  return {strip_answer(result.text), result.prompt_tokens, result.completion_tokens,
          cut.truncated || over_context};
}

}  // namespace longalign::eval
