// Short chat-like samples: one-line requests with one exact answer (arithmetic, copying, word
// reversal, capital letters). They stand in for the short ShareGPT chats LongAlign mixes with its
// long data, and teach a small model to copy what it reads, which retrieval builds on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace longalign::synth {

enum class ChatKind { kArithmetic, kCopy, kReverse, kUppercase };

inline constexpr size_t kChatKinds = 4;

// "arithmetic", "copy", "reverse", "uppercase".
std::string_view chat_kind_name(ChatKind kind);

struct ChatSample {
  ChatKind kind = ChatKind::kArithmetic;
  std::string prompt;  // the user message
  std::string answer;  // the exact expected reply
};

// `count` samples, the kinds taking turns (sample i is of kind i % 4). Sample i depends only on
// the seed and i, so a longer list starts with the samples of a shorter one.
std::vector<ChatSample> generate_short_chats(size_t count, uint64_t seed);

// One chat JSONL record: {"messages": [user, assistant], "task": "chat-<kind>", "answer"}.
Json chat_sample_to_json(const ChatSample& sample);

}  // namespace longalign::synth
