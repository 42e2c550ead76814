// What the planner needs to know about each training sample: its length and how many of its
// tokens are targets. A source supplies them; today a lengths file, later the tokenized store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace longalign::data {

// One sample; its index in the vector is its id everywhere in a plan.
struct Sample {
  uint32_t length = 0;   // tokens, padding excluded
  uint32_t targets = 0;  // target tokens (N_i of the loss weighting)
};

// Where samples come from. The planner sees only this, so a store can stand in for the lengths
// file without the planner changing.
class SampleSource {
 public:
  virtual ~SampleSource() = default;
  virtual std::vector<Sample> samples() const = 0;
  // A name for messages and reports, e.g. the file path.
  virtual std::string name() const = 0;
};

// A text file with one sample per line: "length" or "length target_count". Blank lines are
// skipped. A line without a length is all targets.
class LengthsFile : public SampleSource {
 public:
  explicit LengthsFile(std::filesystem::path path) : path_(std::move(path)) {}
  std::vector<Sample> samples() const override;
  std::string name() const override { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Parses the text of a lengths file; `where` prefixes errors as "where:line: ...".
std::vector<Sample> parse_lengths(std::string_view text, const std::string& where);

}  // namespace longalign::data
