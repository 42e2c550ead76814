// Counts the tokens of the prompt a model sees for one user message, so a test can fill a context
// to a target length: the model's tokenizer and chat template, with the assistant's turn opened.
#pragma once

#include <cstddef>
#include <string>

#include "data/chat_template.h"
#include "text/tokenizer.h"

namespace longalign::eval {

class PromptMeter {
 public:
  // `tokenizer` must outlive the meter.
  PromptMeter(const text::Tokenizer& tokenizer, data::ChatTemplate chat_template)
      : tokenizer_(&tokenizer), chat_template_(chat_template) {}

  size_t count(const std::string& user_message) const;
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  const text::Tokenizer* tokenizer_;
  data::ChatTemplate chat_template_;
};

// The template an endpoint's model most likely uses, from its tokenizer alone (the endpoint
// renders the prompt itself; the meter only needs the count): chatml for <|im_start|>, llama3 for
// <|eot_id|>, chatglm3 for [gMASK], llama2 otherwise, as load_chat_model decides.
data::ChatTemplate template_from_tokenizer(const text::Tokenizer& tokenizer);

}  // namespace longalign::eval
