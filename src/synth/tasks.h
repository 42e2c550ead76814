// Offline synthetic long-context tasks in the spirit of RULER: needles hidden at a recorded depth
// in filler text of a chosen length in tokens, with answers checkable by string match.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "text/tokenizer.h"

namespace longalign::synth {

enum class TaskKind { kPasskey, kKv, kMultiNeedle, kVartrack };

// "passkey", "kv", "multi-needle", "vartrack"; anything else is a UsageError.
TaskKind parse_task(std::string_view name);
std::string_view task_name(TaskKind kind);

// "1k,2k,4k,3000": a comma-separated list of lengths in tokens, "k" = 1024. Throws UsageError on
// an empty list, a zero, or anything that is not a number with an optional k/K.
std::vector<size_t> parse_lengths(std::string_view list);

struct TaskOptions {
  TaskKind task = TaskKind::kPasskey;
  std::vector<size_t> lengths;  // target lengths of the user message, in tokens
  size_t count = 1;             // samples per length
  uint64_t seed = 0;
  // Filler sentences from the user's text (read_haystack); empty = the built-in grammar. The kv
  // task ignores it: its filler is the key-value pairs themselves.
  std::vector<std::string> haystack;
  // multi-needle: ask for every needle's number (answer "n1, n2, n3, n4" in document order)
  // instead of one of them. The documents are the same either way.
  bool all_needles = false;
  size_t threads = 0;  // 0 = all cores
};

struct Sample {
  TaskKind task = TaskKind::kPasskey;
  size_t length = 0;  // the target length in tokens
  size_t tokens = 0;  // the measured length of `prompt`, at most `length`
  double depth = 0;   // depth of the needle asked about (of the first line of the chain for
                      // vartrack), as a fraction of the document: 0 = start, 1 = end
  std::vector<double> depths;        // depth of every needle, in document order
  std::vector<std::string> needles;  // the needle texts, in document order
  std::string prompt;                // the user message: instructions, document, question
  std::string answer;                // the exact expected reply
};

// Generates count samples for each length, in the order of `lengths`. Deterministic for a seed
// (independent of `threads`). Throws UsageError when a length is too short to hold the task's
// fixed text.
std::vector<Sample> generate_tasks(const text::Tokenizer& tokenizer, const TaskOptions& options);

// One chat JSONL record: {"messages": [user, assistant], "task", "length", "tokens", "depth",
// "depths", "needles", "answer"}.
Json sample_to_json(const Sample& sample);

}  // namespace longalign::synth
