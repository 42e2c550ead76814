#include "data/samples.h"

#include <charconv>
#include <limits>

#include "core/error.h"
#include "core/file_io.h"

namespace longalign::data {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// Splits a line into whitespace-separated fields.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    size_t j = i;
    while (j < line.size() && !is_space(line[j])) ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

uint32_t parse_count(std::string_view field, const std::string& where, const char* what) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size() ||
      value > std::numeric_limits<uint32_t>::max()) {
    throw Error(where + ": " + what + " \"" + std::string(field) +
                "\" is not a non-negative integer below 2^32");
  }
  return static_cast<uint32_t>(value);
}

}  // namespace

std::vector<Sample> parse_lengths(std::string_view text, const std::string& where) {
  std::vector<Sample> samples;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_no;
    const auto f = fields(line);
    if (f.empty()) continue;
    const std::string at = where + ":" + std::to_string(line_no);
    if (f.size() > 2) throw Error(at + ": expected \"length\" or \"length target_count\"");
    Sample s;
    s.length = parse_count(f[0], at, "length");
    if (s.length == 0) throw Error(at + ": length 0; every sample needs at least one token");
    s.targets = f.size() == 2 ? parse_count(f[1], at, "target_count") : s.length;
    if (s.targets > s.length) {
      throw Error(at + ": target_count " + std::to_string(s.targets) + " exceeds length " +
                  std::to_string(s.length));
    }
    samples.push_back(s);
  }
  return samples;
}

std::vector<Sample> LengthsFile::samples() const {
  return parse_lengths(read_file(path_), path_.string());
}

}  // namespace longalign::data
