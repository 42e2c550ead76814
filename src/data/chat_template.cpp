// Each template renders a conversation into parts: plain text (template text and message content
// together) or a special token named by its string. Text parts next to each other with the same
// target flag are encoded as one piece, so an answer is always a piece of its own and the mask
// boundaries are exact. Template text never contains a special token's string; markers are always
// token parts, so encoding a text piece in split-special mode protects only the content.
#include "data/chat_template.h"

#include <optional>
#include <utility>

#include "core/error.h"

namespace longalign::data {

namespace {

using text::TokenId;

struct Part {
  // cut: the text before and the text after are encoded as separate pieces.
  enum class Kind { text, token, bos, eos, cut } kind = Kind::text;
  std::string value;    // the text, or the special token's string
  bool target = false;  // trained on
};

Part text_part(std::string value, bool target = false) {
  return {Part::Kind::text, std::move(value), target};
}
Part token_part(std::string token, bool target = false) {
  return {Part::Kind::token, std::move(token), target};
}
Part bos_part() {
  return {Part::Kind::bos, "", false};
}
Part eos_part(bool target) {
  return {Part::Kind::eos, "", target};
}
Part cut_part() {
  return {Part::Kind::cut, "", false};
}

// A conversation after the trailing user turn is dropped: the system text and the answered rounds.
struct Round {
  std::string question;
  std::string answer;
};
struct Conversation {
  std::vector<std::string> system;
  std::vector<Round> rounds;
  // The last round has a question and no answer yet: rendering stops where the answer would
  // start (the prompt for generation).
  bool open = false;
};

Conversation conversation_of(const ChatRecord& record, const TokenizeChatOptions& options) {
  Conversation conversation;
  const std::vector<ChatMessage>& messages = record.messages;
  size_t i = 0;
  for (; i < messages.size() && messages[i].role == Role::system; ++i) {
    conversation.system.push_back(messages[i].content);
  }
  // parse_chat_record has checked the alternation; a trailing user turn has no partner.
  for (; i + 1 < messages.size(); i += 2) {
    Round round{messages[i].content, messages[i + 1].content};
    if (options.remove_zero_width) round.answer = remove_zero_width(round.answer);
    conversation.rounds.push_back(std::move(round));
  }
  return conversation;
}

std::string joined(const std::vector<std::string>& texts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (i) out += separator;
    out += texts[i];
  }
  return out;
}

// The answer, then the end token, a target only when the answer is not empty (LongAlign masks
// the EOS of an empty response).
void add_answer(std::vector<Part>& parts, const std::string& answer, Part end) {
  if (!answer.empty()) parts.push_back(text_part(answer, true));
  end.target = !answer.empty();
  parts.push_back(std::move(end));
}

std::vector<Part> render(const Conversation& c, ChatTemplate chat_template) {
  std::vector<Part> parts;
  const bool has_system = !c.system.empty();
  const std::string system = joined(c.system, "\n\n");
  const auto open_at = [&c](size_t r) { return c.open && r + 1 == c.rounds.size(); };
  switch (chat_template) {
    case ChatTemplate::kLlama2:
      // LongAlign: "[INST]{q}[/INST]{a}" rounds joined by "\n\n", BOS in front. The system text
      // goes in the first round inside Llama 2's <<SYS>> block.
      parts.push_back(bos_part());
      for (size_t r = 0; r < c.rounds.size(); ++r) {
        std::string prompt = r ? "\n\n[INST]" : "[INST]";
        if (r == 0 && has_system) prompt += "<<SYS>>\n" + system + "\n<</SYS>>\n\n";
        parts.push_back(text_part(prompt + c.rounds[r].question + "[/INST]"));
        if (open_at(r)) break;
        add_answer(parts, c.rounds[r].answer, eos_part(true));
      }
      break;
    case ChatTemplate::kMistral:
      // Mistral's chat template: "[INST] {q} [/INST]{a}</s>", no separator; the system text
      // goes before the first question, followed by a blank line.
      parts.push_back(bos_part());
      for (size_t r = 0; r < c.rounds.size(); ++r) {
        std::string prompt = "[INST] ";
        if (r == 0 && has_system) prompt += system + "\n\n";
        parts.push_back(text_part(prompt + c.rounds[r].question + " [/INST]"));
        if (open_at(r)) break;
        add_answer(parts, c.rounds[r].answer, eos_part(true));
      }
      break;
    case ChatTemplate::kChatglm3:
      // LongAlign: "[Round {n}]\n\n问：{q}\n\n答：{a}" joined by "\n\n", after [gMASK] sop (what
      // ChatGLM3's tokenizer puts in front). The system text, which this format has no place
      // for, goes first followed by a blank line. ChatGLM3's own chat format (chatglm3_roles)
      // instead marks each role with a special token and has no round numbers.
      parts.push_back(token_part("[gMASK]"));
      parts.push_back(token_part("sop"));
      if (has_system) parts.push_back(text_part(system + "\n\n"));
      for (size_t r = 0; r < c.rounds.size(); ++r) {
        const std::string head = (r ? "\n\n[Round " : "[Round ") + std::to_string(r + 1) + "]";
        parts.push_back(text_part(head + "\n\n问：" + c.rounds[r].question + "\n\n答："));
        if (open_at(r)) break;
        add_answer(parts, c.rounds[r].answer, eos_part(true));
      }
      break;
    case ChatTemplate::kLlama3: {
      // <|begin_of_text|> then per message <|start_header_id|>{role}<|end_header_id|>\n\n
      // {content}<|eot_id|>.
      parts.push_back(token_part("<|begin_of_text|>"));
      const auto header = [&](const char* role) {
        parts.push_back(token_part("<|start_header_id|>"));
        parts.push_back(text_part(role));
        parts.push_back(token_part("<|end_header_id|>"));
      };
      if (has_system) {
        header("system");
        parts.push_back(text_part("\n\n" + system));
        parts.push_back(token_part("<|eot_id|>"));
      }
      for (size_t r = 0; r < c.rounds.size(); ++r) {
        header("user");
        parts.push_back(text_part("\n\n" + c.rounds[r].question));
        parts.push_back(token_part("<|eot_id|>"));
        header("assistant");
        parts.push_back(text_part("\n\n"));
        if (open_at(r)) break;
        add_answer(parts, c.rounds[r].answer, token_part("<|eot_id|>"));
      }
      break;
    }
    case ChatTemplate::kChatml:
      // <|im_start|>{role}\n{content}<|im_end|>\n per message, nothing in front.
      if (has_system) {
        parts.push_back(token_part("<|im_start|>"));
        parts.push_back(text_part("system\n" + system));
        parts.push_back(token_part("<|im_end|>"));
        parts.push_back(text_part("\n"));
      }
      for (size_t r = 0; r < c.rounds.size(); ++r) {
        parts.push_back(token_part("<|im_start|>"));
        parts.push_back(text_part("user\n" + c.rounds[r].question));
        parts.push_back(token_part("<|im_end|>"));
        parts.push_back(text_part("\n"));
        parts.push_back(token_part("<|im_start|>"));
        parts.push_back(text_part("assistant\n"));
        if (open_at(r)) break;
        add_answer(parts, c.rounds[r].answer, token_part("<|im_end|>"));
        parts.push_back(text_part("\n"));
      }
      break;
    case ChatTemplate::kPlain:
      // BOS when the tokenizer has one; "{system}\n\n" then "{q}\n\n{a}</s>" joined by "\n\n".
      parts.push_back(bos_part());
      if (has_system) parts.push_back(text_part(system + "\n\n"));
      for (size_t r = 0; r < c.rounds.size(); ++r) {
        parts.push_back(text_part((r ? "\n\n" : "") + c.rounds[r].question + "\n\n"));
        if (open_at(r)) break;
        add_answer(parts, c.rounds[r].answer, eos_part(true));
      }
      break;
    case ChatTemplate::kChatglm3Roles: {
      // ChatGLM3's own format: [gMASK] sop, then per message a role token, "\n" and the content,
      // "\n" and content encoded separately as ChatGLM3's build_single_message does. An answer
      // ends at the <|user|> opening the next turn (where ChatGLM3 stops generating); the last
      // answer ends with EOS, as ChatGLM3's fine-tuning script appends it.
      parts.push_back(token_part("[gMASK]"));
      parts.push_back(token_part("sop"));
      const auto message = [&](const char* role, const std::string& content) {
        parts.push_back(token_part(role));
        parts.push_back(text_part("\n"));
        parts.push_back(cut_part());
        parts.push_back(text_part(content));
      };
      for (const std::string& system_text : c.system) message("<|system|>", system_text);
      for (size_t r = 0; r < c.rounds.size(); ++r) {
        // The <|user|> of this round closes the previous answer.
        if (r == 0) {
          message("<|user|>", c.rounds[r].question);
        } else {
          parts.push_back(text_part("\n"));
          parts.push_back(cut_part());
          parts.push_back(text_part(c.rounds[r].question));
        }
        parts.push_back(token_part("<|assistant|>"));
        parts.push_back(text_part("\n"));
        parts.push_back(cut_part());
        if (open_at(r)) break;
        const bool last = r + 1 == c.rounds.size();
        add_answer(parts, c.rounds[r].answer, last ? eos_part(true) : token_part("<|user|>"));
      }
      break;
    }
  }
  return parts;
}

TokenId token_id(const text::Tokenizer& tokenizer, const std::string& token,
                 ChatTemplate chat_template) {
  const std::optional<TokenId> id = tokenizer.token_to_id(token);
  if (!id) {
    throw Error(std::string("chat template ") + chat_template_name(chat_template) +
                ": the tokenizer " + tokenizer.source().string() + " has no token \"" + token +
                "\"");
  }
  return *id;
}

}  // namespace

const std::vector<std::string>& chat_template_names() {
  static const std::vector<std::string> names = {"llama2",  "chatglm3", "llama3",        "chatml",
                                                 "mistral", "plain",    "chatglm3-roles"};
  return names;
}

ChatTemplate chat_template_from_name(std::string_view name) {
  const std::vector<std::string>& names = chat_template_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<ChatTemplate>(i);
  }
  throw UsageError("unknown chat template \"" + std::string(name) +
                   "\"; the templates are: " + joined(names, ", "));
}

const char* chat_template_name(ChatTemplate chat_template) {
  return chat_template_names().at(static_cast<size_t>(chat_template)).c_str();
}

std::string remove_zero_width(std::string_view text) {
  // U+200B..U+200D are E2 80 8B..8D, U+2060 is E2 81 A0, U+FEFF is EF BB BF.
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (i + 3 <= text.size()) {
      const auto b0 = static_cast<unsigned char>(text[i]);
      const auto b1 = static_cast<unsigned char>(text[i + 1]);
      const auto b2 = static_cast<unsigned char>(text[i + 2]);
      const bool zero_width = (b0 == 0xE2 && b1 == 0x80 && b2 >= 0x8B && b2 <= 0x8D) ||
                              (b0 == 0xE2 && b1 == 0x81 && b2 == 0xA0) ||
                              (b0 == 0xEF && b1 == 0xBB && b2 == 0xBF);
      if (zero_width) {
        i += 3;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

namespace {

// Encodes rendered parts: text runs with one target flag as one piece, markers as their ids.
TokenizedChat encode_parts(const std::vector<Part>& parts, ChatTemplate chat_template,
                           const text::Tokenizer& tokenizer, const TokenizeChatOptions& options) {
  TokenizedChat out;
  const text::SpecialTokens& special = tokenizer.special_tokens();
  const auto push = [&](TokenId id, bool target) {
    out.ids.push_back(id);
    out.mask.push_back(target ? 1 : 0);
  };
  const text::EncodeOptions encode_options{.add_special = false,
                                           .split_special = options.split_special_content};
  std::string pending;
  bool pending_target = false;
  const auto flush = [&] {
    if (pending.empty()) return;
    for (const TokenId id : tokenizer.encode(pending, encode_options)) push(id, pending_target);
    pending.clear();
  };
  for (const Part& part : parts) {
    switch (part.kind) {
      case Part::Kind::text:
        if (part.target != pending_target) flush();
        pending_target = part.target;
        pending += part.value;
        break;
      case Part::Kind::token:
        flush();
        push(token_id(tokenizer, part.value, chat_template), part.target);
        break;
      case Part::Kind::bos:
        flush();
        // plain works with tokenizers that have no BOS (Qwen); llama2 and mistral need one.
        if (special.bos) {
          push(*special.bos, false);
        } else if (chat_template != ChatTemplate::kPlain) {
          throw Error(std::string("chat template ") + chat_template_name(chat_template) +
                      ": the tokenizer " + tokenizer.source().string() + " has no BOS token");
        }
        break;
      case Part::Kind::cut:
        flush();
        break;
      case Part::Kind::eos:
        flush();
        if (!special.eos) {
          throw Error(std::string("chat template ") + chat_template_name(chat_template) +
                      ": the tokenizer " + tokenizer.source().string() + " has no EOS token");
        }
        push(*special.eos, part.target);
        break;
    }
  }
  flush();
  return out;
}

// The conversation of a prompt: system messages, answered rounds, and the final question open.
Conversation prompt_conversation(const std::vector<ChatMessage>& messages) {
  Conversation c;
  size_t i = 0;
  for (; i < messages.size() && messages[i].role == Role::system; ++i) {
    c.system.push_back(messages[i].content);
  }
  for (; i < messages.size(); i += 2) {
    if (messages[i].role != Role::user) {
      throw UsageError("chat prompt: message " + std::to_string(i) + " is " +
                       role_name(messages[i].role) +
                       "; after the system messages, user and assistant must alternate, "
                       "starting with user");
    }
    const bool last = i + 1 == messages.size();
    if (!last && messages[i + 1].role != Role::assistant) {
      throw UsageError("chat prompt: message " + std::to_string(i + 1) + " is " +
                       role_name(messages[i + 1].role) + " where an assistant answer belongs");
    }
    c.rounds.push_back({messages[i].content, last ? std::string() : messages[i + 1].content});
  }
  if (c.rounds.empty() || messages.back().role != Role::user) {
    throw UsageError("chat prompt: the messages must end with a user message");
  }
  c.open = true;
  return c;
}

}  // namespace

TokenizedChat tokenize_chat(const ChatRecord& record, ChatTemplate chat_template,
                            const text::Tokenizer& tokenizer, const TokenizeChatOptions& options) {
  const Conversation conversation = conversation_of(record, options);
  if (conversation.rounds.empty()) return {};
  return encode_parts(render(conversation, chat_template), chat_template, tokenizer, options);
}

std::vector<text::TokenId> tokenize_prompt(const std::vector<ChatMessage>& messages,
                                           ChatTemplate chat_template,
                                           const text::Tokenizer& tokenizer,
                                           const TokenizeChatOptions& options) {
  const Conversation conversation = prompt_conversation(messages);
  return encode_parts(render(conversation, chat_template), chat_template, tokenizer, options).ids;
}

std::vector<text::TokenId> end_of_turn_tokens(ChatTemplate chat_template,
                                              const text::Tokenizer& tokenizer) {
  std::vector<TokenId> ids;
  if (const std::optional<TokenId> eos = tokenizer.special_tokens().eos) ids.push_back(*eos);
  const char* marker = nullptr;
  switch (chat_template) {
    case ChatTemplate::kLlama3:
      marker = "<|eot_id|>";
      break;
    case ChatTemplate::kChatml:
      marker = "<|im_end|>";
      break;
    case ChatTemplate::kChatglm3Roles:
      marker = "<|user|>";
      break;
    default:
      break;
  }
  if (marker) ids.push_back(token_id(tokenizer, marker, chat_template));
  return ids;
}

}  // namespace longalign::data
