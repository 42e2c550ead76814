// Chat templates: how a conversation becomes one token sequence, and which of its tokens are
// trained on. The exact formats and their sources are in docs/DATA.md ("Chat templates").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/chat_record.h"
#include "text/tokenizer.h"

namespace longalign::data {

enum class ChatTemplate {
  kLlama2,         // LongAlign's Llama format: <s>[INST]{q}[/INST]{a}</s>, rounds joined by "\n\n"
  kChatglm3,       // LongAlign's ChatGLM3 format: [gMASK]sop[Round n]\n\n问：{q}\n\n答：{a}</s>
  kLlama3,         // Llama 3's header tokens and <|eot_id|>
  kChatml,         // <|im_start|>role\n{content}<|im_end|>\n (Qwen)
  kMistral,        // <s>[INST] {q} [/INST]{a}</s>
  kPlain,          // <s>{q}\n\n{a}</s>, rounds joined by "\n\n"
  kChatglm3Roles,  // ChatGLM3's own: [gMASK]sop<|user|>\n{q}<|assistant|>\n{a}<|user|>...</s>
};

// The names above, in that order (kChatglm3Roles is "chatglm3-roles").
const std::vector<std::string>& chat_template_names();

// The template called `name`; UsageError listing the names for any other.
ChatTemplate chat_template_from_name(std::string_view name);

const char* chat_template_name(ChatTemplate chat_template);

struct TokenizeChatOptions {
  // Encode message content with special tokens treated as text, so a `<|im_end|>` or `</s>`
  // typed in a message cannot forge a marker. Off: they become the special tokens.
  bool split_special_content = true;
  // Remove U+200B, U+200C, U+200D, U+2060 and U+FEFF from assistant answers.
  bool remove_zero_width = true;
};

struct TokenizedChat {
  std::vector<text::TokenId> ids;
  std::vector<uint8_t> mask;  // mask[i] = 1: ids[i] is a target (an answer token or its end)
};

// Renders `record` with `chat_template` and tokenizes it. A trailing user turn is dropped; a
// record with no answered turn gives no tokens. The targets are the tokens of each non-empty
// answer and the end token after it (EOS, <|eot_id|>, <|im_end|>, or for chatglm3-roles the
// <|user|> that opens the next turn). Throws Error when the
// tokenizer lacks a token the template needs.
TokenizedChat tokenize_chat(const ChatRecord& record, ChatTemplate chat_template,
                            const text::Tokenizer& tokenizer,
                            const TokenizeChatOptions& options = {});

// The prompt for the model's next answer: `messages` (system messages, then user and assistant
// alternating, ending with a user message) rendered with `chat_template` up to where the
// assistant's answer starts, as in tokenize_chat. A message order that cannot be rendered is a
// UsageError.
std::vector<text::TokenId> tokenize_prompt(const std::vector<ChatMessage>& messages,
                                           ChatTemplate chat_template,
                                           const text::Tokenizer& tokenizer,
                                           const TokenizeChatOptions& options = {});

// The tokens that end an answer in `chat_template`: the tokenizer's EOS (when it has one) and the
// template's end-of-turn marker (<|eot_id|>, <|im_end|>, or <|user|> for chatglm3-roles). Throws
// Error when the tokenizer lacks the marker.
std::vector<text::TokenId> end_of_turn_tokens(ChatTemplate chat_template,
                                              const text::Tokenizer& tokenizer);

// Removes the zero-width characters listed above from `text`.
std::string remove_zero_width(std::string_view text);

}  // namespace longalign::data
