#include "synth/short_chat.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/error.h"
#include "synth/filler.h"

namespace longalign::synth {

namespace {

// Common English words, each one piece or two in the usual tokenizers.
constexpr std::array<std::string_view, 32> kWords = {
    "apple",  "river", "stone",  "cloud", "tiger",  "lamp",  "music",  "north",
    "green",  "paper", "horse",  "bread", "glass",  "chair", "light",  "sugar",
    "table",  "bird",  "garden", "coat",  "window", "snow",  "candle", "ship",
    "forest", "honey", "mirror", "road",  "silver", "wheat", "orange", "winter"};

std::string_view pick(Rng& rng, std::span<const std::string_view> options) {
  return options[rng.below(options.size())];
}

std::vector<std::string> draw_words(Rng& rng, size_t min, size_t max) {
  std::vector<std::string> words(min + rng.below(max - min + 1));
  for (auto& w : words) w = kWords[rng.below(kWords.size())];
  return words;
}

std::string draw_digits(Rng& rng, size_t min, size_t max) {
  std::string digits(min + rng.below(max - min + 1), '0');
  for (char& c : digits) c = static_cast<char>('0' + rng.below(10));
  return digits;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) (out += out.empty() ? "" : " ") += w;
  return out;
}

ChatSample arithmetic(Rng& rng) {
  const uint64_t a = rng.below(100), b = rng.below(100);
  if (rng.below(2) == 0) {
    return {ChatKind::kArithmetic, "What is " + std::to_string(a) + " + " + std::to_string(b) + "?",
            std::to_string(a + b)};
  }
  const uint64_t big = std::max(a, b), small = std::min(a, b);
  return {ChatKind::kArithmetic,
          "What is " + std::to_string(big) + " minus " + std::to_string(small) + "?",
          std::to_string(big - small)};
}

ChatSample copy(Rng& rng) {
  static constexpr std::array<std::string_view, 3> kAsk = {
      "Repeat exactly: ", "Please copy this: ", "Say it back to me: "};
  // Mostly digits: copying them is what the passkey's answer needs.
  const std::string text = rng.below(3) ? draw_digits(rng, 5, 20) : join(draw_words(rng, 2, 8));
  return {ChatKind::kCopy, std::string(pick(rng, kAsk)) + text, text};
}

ChatSample reverse(Rng& rng) {
  auto words = draw_words(rng, 2, 6);
  std::string prompt = "Reverse the order of these words: " + join(words);
  std::reverse(words.begin(), words.end());
  return {ChatKind::kReverse, std::move(prompt), join(words)};
}

ChatSample uppercase(Rng& rng) {
  const std::string text = join(draw_words(rng, 1, 4));
  std::string upper = text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return {ChatKind::kUppercase, "Write this in capital letters: " + text, upper};
}

ChatSample recall(Rng& rng) {
  static constexpr std::array<std::string_view, 4> kThings = {"locker", "door", "bike lock",
                                                              "phone"};
  const std::string thing(pick(rng, kThings)), code = draw_digits(rng, 5, 7);
  return {ChatKind::kRecall,
          "My " + thing + " code is " + code + ". I keep " + join(draw_words(rng, 1, 10)) +
              " at home. What is my " + thing + " code?",
          code};
}

}  // namespace

ChatKind parse_chat_kind(std::string_view name) {
  for (const ChatKind kind : all_chat_kinds()) {
    if (chat_kind_name(kind) == name) return kind;
  }
  throw UsageError("unknown chat kind \"" + std::string(name) +
                   "\" (expected arithmetic, copy, reverse, uppercase or recall)");
}

std::string_view chat_kind_name(ChatKind kind) {
  switch (kind) {
    case ChatKind::kArithmetic:
      return "arithmetic";
    case ChatKind::kCopy:
      return "copy";
    case ChatKind::kReverse:
      return "reverse";
    case ChatKind::kUppercase:
      return "uppercase";
    case ChatKind::kRecall:
      return "recall";
  }
  return "?";
}

std::vector<ChatKind> all_chat_kinds() {
  return {ChatKind::kArithmetic, ChatKind::kCopy, ChatKind::kReverse, ChatKind::kUppercase,
          ChatKind::kRecall};
}

std::vector<ChatSample> generate_short_chats(size_t count, uint64_t seed,
                                             const std::vector<ChatKind>& rotation) {
  if (rotation.empty()) throw UsageError("short chats: no kinds to generate");
  std::vector<ChatSample> samples;
  samples.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    // The 0xc4a7 keeps these streams apart from the long tasks' streams of the same seed.
    Rng rng(derive_seed(seed, 0xc4a7, i));
    switch (rotation[i % rotation.size()]) {
      case ChatKind::kArithmetic:
        samples.push_back(arithmetic(rng));
        break;
      case ChatKind::kCopy:
        samples.push_back(copy(rng));
        break;
      case ChatKind::kReverse:
        samples.push_back(reverse(rng));
        break;
      case ChatKind::kUppercase:
        samples.push_back(uppercase(rng));
        break;
      case ChatKind::kRecall:
        samples.push_back(recall(rng));
        break;
    }
  }
  return samples;
}

Json chat_sample_to_json(const ChatSample& sample) {
  return {{"messages", Json::array({{{"role", "user"}, {"content", sample.prompt}},
                                    {{"role", "assistant"}, {"content", sample.answer}}})},
          {"task", "chat-" + std::string(chat_kind_name(sample.kind))},
          {"answer", sample.answer}};
}

}  // namespace longalign::synth
