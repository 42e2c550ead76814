#include "eval/prompt_meter.h"

namespace longalign::eval {

size_t PromptMeter::count(const std::string& user_message) const {
  return data::tokenize_prompt({{data::Role::user, user_message}}, chat_template_, *tokenizer_)
      .size();
}

data::ChatTemplate template_from_tokenizer(const text::Tokenizer& tokenizer) {
  if (tokenizer.token_to_id("<|im_start|>")) return data::ChatTemplate::kChatml;
  if (tokenizer.token_to_id("<|eot_id|>")) return data::ChatTemplate::kLlama3;
  if (tokenizer.token_to_id("[gMASK]")) return data::ChatTemplate::kChatglm3;
  return data::ChatTemplate::kLlama2;
}

}  // namespace longalign::eval
