// Short chat-like samples: one-line requests with one exact answer (arithmetic, copying, word
// reversal, capital letters, recalling a number said a few words earlier). They stand in for the
// short ShareGPT chats LongAlign mixes with its long data, and teach a small model to copy what it
// reads and to find a number in a short text, which long-context retrieval builds on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace longalign::synth {

enum class ChatKind { kArithmetic, kCopy, kReverse, kUppercase, kRecall };

// "arithmetic", "copy", "reverse", "uppercase", "recall".
std::string_view chat_kind_name(ChatKind kind);

struct ChatSample {
  ChatKind kind = ChatKind::kArithmetic;
  std::string prompt;  // the user message
  std::string answer;  // the exact expected reply
};

// The kind named by chat_kind_name; any other name is a UsageError.
ChatKind parse_chat_kind(std::string_view name);

// Every kind once, in declaration order.
std::vector<ChatKind> all_chat_kinds();

// `count` samples of the kinds in `rotation`, in turn: sample i is of kind rotation[i % size], so
// a kind listed twice comes twice as often. Sample i depends only on the seed, i and its kind, so
// a longer list starts with the samples of a shorter one. An empty rotation is a UsageError.
std::vector<ChatSample> generate_short_chats(size_t count, uint64_t seed,
                                             const std::vector<ChatKind>& rotation);

// One chat JSONL record: {"messages": [user, assistant], "task": "chat-<kind>", "answer"}.
Json chat_sample_to_json(const ChatSample& sample);

}  // namespace longalign::synth
