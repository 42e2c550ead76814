#include "eval/judge_score.h"

#include <charconv>

namespace longalign::eval {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The content of the last "[[x]]" with x a non-empty run of characters other than ']'. Matches
// are found left to right without overlapping, as a regular-expression search would. Linear:
// when the first ']' after a "[[" does not close a match, no "[[" before that ']' can either
// (they all reach the same ']'), so the search goes on after it.
std::optional<std::string_view> last_double_bracket(std::string_view s) {
  std::optional<std::string_view> last;
  size_t i = 0;
  while (i + 1 < s.size()) {
    if (s[i] != '[' || s[i + 1] != '[') {
      ++i;
      continue;
    }
    const size_t close = s.find(']', i + 2);
    if (close == std::string_view::npos) break;
    if (close > i + 2 && close + 1 < s.size() && s[close + 1] == ']') {
      last = s.substr(i + 2, close - i - 2);
      i = close + 2;
    } else {
      i = close + 1;
    }
  }
  return last;
}

// The first number in `s`: digits, then a fractional part when a '.' is followed by a digit.
std::optional<double> first_number(std::string_view s) {
  size_t start = 0;
  while (start < s.size() && !is_digit(s[start])) ++start;
  if (start == s.size()) return std::nullopt;
  size_t end = start;
  while (end < s.size() && is_digit(s[end])) ++end;
  if (end + 1 < s.size() && s[end] == '.' && is_digit(s[end + 1])) {
    end += 2;
    while (end < s.size() && is_digit(s[end])) ++end;
  }
  double value = 0;
  std::from_chars(s.data() + start, s.data() + end, value);
  return value;
}

}  // namespace

std::optional<double> parse_judge_score(std::string_view reply) {
  const std::optional<std::string_view> bracket = last_double_bracket(reply);
  if (!bracket) return std::nullopt;
  const std::optional<double> score = first_number(*bracket);
  if (!score || *score < 1 || *score > 10) return std::nullopt;
  return score;
}

}  // namespace longalign::eval
