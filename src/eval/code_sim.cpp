#include "eval/code_sim.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "text/unicode.h"

namespace longalign::eval {

namespace {

std::u32string decode(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) out.push_back(text::next_code_point(s, i));
  return out;
}

// Length of the longest common subsequence, one table row at a time.
size_t lcs_length(std::u32string_view a, std::u32string_view b) {
  std::vector<size_t> row(b.size() + 1, 0);
  for (const char32_t ca : a) {
    size_t diagonal = 0;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = ca == b[j - 1] ? diagonal + 1 : std::max(row[j], row[j - 1]);
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string_view first_code_line(std::string_view s) {
  s.remove_prefix(std::min(s.find_first_not_of('\n'), s.size()));
  while (true) {
    const size_t newline = s.find('\n');
    const std::string_view line = s.substr(0, newline);
    const bool code = line.find('`') == std::string_view::npos &&
                      line.find('#') == std::string_view::npos &&
                      line.find("//") == std::string_view::npos;
    if (code) return line;
    if (newline == std::string_view::npos) return {};
    s.remove_prefix(newline + 1);
  }
}

}  // namespace

int fuzz_ratio(std::string_view a, std::string_view b) {
  if (a == b) return 100;
  if (a.empty() || b.empty()) return 0;
  const std::u32string x = decode(a), y = decode(b);
  const double ratio =
      2.0 * static_cast<double>(lcs_length(x, y)) / static_cast<double>(x.size() + y.size());
  // std::nearbyint rounds half to even in the default rounding mode, as Python's round() does.
  return static_cast<int>(std::nearbyint(100.0 * ratio));
}

double code_sim_score(std::string_view prediction, std::string_view reference) {
  return fuzz_ratio(first_code_line(prediction), reference) / 100.0;
}

}  // namespace longalign::eval
