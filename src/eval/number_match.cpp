#include "eval/number_match.h"

#include <string>
#include <vector>

#include "core/error.h"

namespace longalign::eval {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::vector<std::string_view> numbers_in(std::string_view s) {
  std::vector<std::string_view> numbers;
  for (size_t i = 0; i < s.size();) {
    if (!is_digit(s[i])) {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    numbers.push_back(s.substr(start, i - start));
  }
  return numbers;
}

double fraction_equal(std::string_view prediction, std::string_view target) {
  const std::vector<std::string_view> numbers = numbers_in(prediction);
  if (numbers.empty()) return 0.0;
  size_t right = 0;
  for (const std::string_view n : numbers) right += n == target ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(numbers.size());
}

// The digits right after the first `label` that has any, or an empty view.
std::string_view number_after(std::string_view s, std::string_view label) {
  for (size_t at = s.find(label); at != std::string_view::npos; at = s.find(label, at + 1)) {
    const size_t start = at + label.size();
    size_t end = start;
    while (end < s.size() && is_digit(s[end])) ++end;
    if (end > start) return s.substr(start, end - start);
  }
  return {};
}

}  // namespace

double count_score(std::string_view prediction, std::string_view reference) {
  return fraction_equal(prediction, reference);
}

double retrieval_score(std::string_view prediction, std::string_view reference) {
  std::string_view target = number_after(reference, "Paragraph ");
  if (target.empty()) target = number_after(reference, "段落");
  if (target.empty()) {
    throw Error("retrieval: the answer \"" + std::string(reference.substr(0, 80)) +
                "\" names no paragraph (\"Paragraph N\" or \"段落N\")");
  }
  return fraction_equal(prediction, target);
}

}  // namespace longalign::eval
