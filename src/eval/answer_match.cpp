#include "eval/answer_match.h"

#include "core/error.h"
#include "text/unicode.h"

namespace longalign::eval {

namespace {

bool is_ascii_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Whether the match of `answer` at `at` in `reply` stands alone: an answer that starts (ends)
// with an ASCII letter or digit must not be preceded (followed) by one. CJK text has no spaces,
// so its characters do not count as word characters here.
bool stands_alone(std::string_view reply, std::string_view answer, size_t at) {
  const size_t end = at + answer.size();
  const bool left_ok = at == 0 || !is_ascii_alnum(answer.front()) || !is_ascii_alnum(reply[at - 1]);
  const bool right_ok =
      end == reply.size() || !is_ascii_alnum(answer.back()) || !is_ascii_alnum(reply[end]);
  return left_ok && right_ok;
}

}  // namespace

MatchMode parse_match_mode(std::string_view name) {
  if (name == "exact") return MatchMode::kExact;
  if (name == "contains") return MatchMode::kContains;
  throw UsageError("unknown --match \"" + std::string(name) + "\" (expected exact or contains)");
}

const char* match_mode_name(MatchMode mode) {
  return mode == MatchMode::kExact ? "exact" : "contains";
}

std::string normalize_for_match(std::string_view text) {
  const std::string lower = text::to_lower(text::to_valid_utf8(text));
  std::string out;
  bool gap = false;
  for (size_t i = 0; i < lower.size();) {
    const char32_t cp = text::next_code_point(lower, i);
    if (text::is_whitespace(cp) || text::is_punctuation(cp)) {
      gap = !out.empty();
      continue;
    }
    if (gap) out += ' ';
    gap = false;
    text::append_utf8(out, cp);
  }
  return out;
}

bool answer_matches(std::string_view reply, std::string_view answer, MatchMode mode) {
  const std::string r = normalize_for_match(reply), a = normalize_for_match(answer);
  if (a.empty()) return false;
  if (mode == MatchMode::kExact) return r == a;
  for (size_t at = r.find(a); at != std::string::npos; at = r.find(a, at + 1)) {
    if (stands_alone(r, a, at)) return true;
  }
  return false;
}

}  // namespace longalign::eval
