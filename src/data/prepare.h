// `longalign data prepare`: chat JSONL files, streamed in blocks and tokenized on all cores, into
// a tokenized store (data/store.h), with a report of what was kept, cut and dropped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/json.h"

namespace longalign::data {

enum class Truncation { right, left, middle, skip };

// "right", "left", "middle" or "skip"; UsageError otherwise.
Truncation parse_truncation(const std::string& name);
const char* truncation_name(Truncation truncation);

// One input file and its mixing weight: the expected number of copies of each of its lines in the
// store. The integer part is copied always; the fraction is the probability of one more copy,
// drawn from the seed, the file's position and the line number (so 0.5 keeps about half the
// lines, 2 writes every line twice, 2.5 writes every line twice and half of them a third time).
struct PrepareInput {
  std::filesystem::path path;
  double weight = 1.0;
};

// "FILE" or "FILE:WEIGHT" (the text after the last ':' when it is a non-negative number).
PrepareInput parse_mix_input(const std::string& text);

struct PrepareOptions {
  std::filesystem::path tokenizer;
  std::string chat_template;
  uint32_t max_length = 0;
  Truncation truncation = Truncation::right;
  std::vector<PrepareInput> inputs;
  uint64_t seed = 0;
  bool strict = false;                // a malformed line fails the run
  bool split_special_content = true;  // off: --allow-special-in-content
  bool remove_zero_width = true;      // off: --keep-zero-width
  size_t threads = 0;                 // 0 = all cores
  size_t block_lines = 4096;          // lines tokenized together
  bool progress = false;              // a progress line on stderr
  std::filesystem::path output;
};

struct PrepareReport {
  uint64_t read = 0, written = 0, malformed = 0, truncated = 0, no_target = 0, too_long = 0;
  uint64_t tokens = 0, target_tokens = 0;
  uint32_t p50 = 0, p90 = 0, p99 = 0, max = 0;
  std::vector<std::string> warnings;  // the first malformed lines, "file:line: why"
};

// Runs the whole preparation and writes the store (with report.json and lengths.svg) atomically.
// Malformed lines are counted and their messages kept (at most 20) unless `strict`, when the
// first one is thrown as Error.
PrepareReport prepare_store(const PrepareOptions& options);

Json prepare_report_json(const PrepareReport& report);
std::string prepare_report_text(const PrepareReport& report);

// The SVG histogram of sample lengths, log-spaced bins.
std::string lengths_svg(const std::vector<uint32_t>& lengths);

}  // namespace longalign::data
