// A model folder made ready to answer: the engine, its tokenizer, the chat template that turns
// messages into a prompt, and the tokens that end an answer. `generate`, `chat`, `serve` and the
// evaluations load models this way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "data/chat_record.h"
#include "data/chat_template.h"
#include "infer/engine.h"
#include "text/tokenizer.h"

namespace longalign::infer {

struct ChatModel {
  std::unique_ptr<text::Tokenizer> tokenizer;
  data::ChatTemplate chat_template = data::ChatTemplate::kLlama2;
  std::unique_ptr<Engine> engine;
  std::vector<int32_t> stop_tokens;  // EOS and the template's end of turn
};

// Loads `model_dir`. An empty `template_name` picks the template from the tokenizer's special
// tokens and the model type (chatml for <|im_start|>, llama3 for <|eot_id|>, chatglm3 for
// ChatGLM, llama2 otherwise: LongAlign's format).
ChatModel load_chat_model(const std::filesystem::path& model_dir, const std::string& template_name,
                          const EngineOptions& options);

// The prompt for the model's next answer: `messages` (ending with a user turn) rendered with the
// template, with the assistant's turn opened.
std::vector<int32_t> chat_prompt(const ChatModel& model,
                                 const std::vector<data::ChatMessage>& messages);

// `ids` cut to at most `max_length` tokens by dropping the middle: the first half and the last
// half are kept, as LongBench and LongBench-Chat truncate. max_length 0 = no limit.
std::vector<int32_t> middle_truncate(std::vector<int32_t> ids, size_t max_length);

}  // namespace longalign::infer
