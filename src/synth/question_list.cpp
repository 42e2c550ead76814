#include "synth/question_list.h"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_set>

namespace longalign::synth {

namespace {

enum class ListKind { kNone, kNumbered, kBulleted };

struct Marker {
  ListKind kind = ListKind::kNone;
  std::string_view rest;  // the line after the marker
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Whitespace at either end: ASCII blanks and the ideographic space (U+3000) Chinese text indents
// with.
std::string_view trim(std::string_view s) {
  constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
  while (true) {
    if (!s.empty() && is_space(s.front())) {
      s.remove_prefix(1);
    } else if (s.starts_with(kIdeographicSpace)) {
      s.remove_prefix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  while (true) {
    if (!s.empty() && is_space(s.back())) {
      s.remove_suffix(1);
    } else if (s.ends_with(kIdeographicSpace)) {
      s.remove_suffix(kIdeographicSpace.size());
    } else {
      break;
    }
  }
  return s;
}

// Removes `prefix` from the front of `s` when it is there.
bool consume(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// One or two ASCII digits; three or more are a year or a figure, not an item number.
bool consume_number(std::string_view& s) {
  size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  if (n == 0 || n > 2) return false;
  s.remove_prefix(n);
  return true;
}

// The delimiter after an item number. Half-width "." and ":" must not start a decimal or a time,
// and must be followed by a space or the end of the line, as must ")".
bool consume_delimiter(std::string_view& s) {
  constexpr std::array<std::string_view, 5> kWide = {"、", "．", "：", "）", "。"};
  for (const std::string_view d : kWide) {
    if (consume(s, d)) return true;
  }
  if (s.empty() || (s[0] != '.' && s[0] != ':' && s[0] != ')')) return false;
  if (s.size() > 1 && !is_space(s[1]) && s[1] != '*') return false;
  s.remove_prefix(1);
  return true;
}

std::optional<std::string_view> numbered(std::string_view s) {
  if (consume(s, "(") || consume(s, "（")) {
    if (!consume_number(s)) return std::nullopt;
    if (!consume(s, ")") && !consume(s, "）")) return std::nullopt;
    return s;
  }
  // "Question 1", "Q1", "问题1": after a prefix, a space alone may end the number.
  const bool prefixed = consume(s, "Question") || consume(s, "Q") || consume(s, "问题");
  if (prefixed) s = trim(s);
  if (!consume_number(s)) return std::nullopt;
  if (consume_delimiter(s)) return s;
  if (prefixed && (s.empty() || is_space(s[0]))) return s;
  return std::nullopt;
}

std::optional<std::string_view> bulleted(std::string_view s) {
  for (const std::string_view b : {"- ", "* ", "• ", "•"}) {
    if (consume(s, b)) return s;
  }
  return std::nullopt;
}

// The marker a (trimmed) line starts with, if any. Bold around the marker ("**1.**") is
// markdown, not a bullet, so a leading "**" is set aside first.
Marker find_marker(std::string_view line) {
  const bool bold = consume(line, "**");
  if (const auto rest = numbered(line)) return {ListKind::kNumbered, *rest};
  if (!bold) {
    if (const auto rest = bulleted(line)) return {ListKind::kBulleted, *rest};
  }
  return {};
}

// Markdown bold left around the question text: "** What ...?**" after "**1.", or "**...**".
std::string_view strip_bold(std::string_view s) {
  s = trim(s);
  if (consume(s, "**")) s = trim(s);
  if (s.ends_with("**")) s.remove_suffix(2);
  return trim(s);
}

bool ends_sentence(std::string_view s) {
  for (const std::string_view end : {"?", ".", "!", "？", "。", "！"}) {
    if (s.ends_with(end)) return true;
  }
  return false;
}

// Joins a wrapped line to its item: with a space, except between two non-ASCII characters
// (Chinese text has no spaces between words).
void append_line(std::string& item, std::string_view line) {
  const bool wide = !item.empty() && static_cast<unsigned char>(item.back()) >= 0x80 &&
                    static_cast<unsigned char>(line.front()) >= 0x80;
  if (!item.empty() && !wide) item += ' ';
  item += line;
}

std::vector<std::string_view> trimmed_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size());
    lines.push_back(trim(text.substr(0, end)));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return lines;
}

// Numbered when any line is numbered, as the prompt asks: bullets are then sub-points or an
// introduction. Bulleted only when no line is numbered.
ListKind list_kind(const std::vector<std::string_view>& lines) {
  ListKind kind = ListKind::kNone;
  for (const std::string_view line : lines) {
    const ListKind k = find_marker(line).kind;
    if (k == ListKind::kNumbered) return k;
    if (k == ListKind::kBulleted) kind = k;
  }
  return kind;
}

// A set of the items kept, so a reply of many lines costs linear time, not quadratic.
std::vector<std::string> without_repeats_and_blanks(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  for (const std::string& item : items) {
    const std::string_view text = strip_bold(item);
    if (text.empty() || !seen.insert(text).second) continue;
    out.emplace_back(text);
  }
  return out;
}

}  // namespace

std::vector<std::string> parse_question_list(std::string_view reply) {
  const std::vector<std::string_view> lines = trimmed_lines(reply);
  const ListKind kind = list_kind(lines);
  std::vector<std::string> items;
  bool open = false;  // the last item may still continue on the next line
  for (const std::string_view line : lines) {
    if (line.empty()) {
      open = false;
      continue;
    }
    const Marker marker = find_marker(line);
    if (marker.kind != ListKind::kNone) {
      open = marker.kind == kind;
      if (open) items.emplace_back(strip_bold(marker.rest));
      continue;
    }
    if (open && !ends_sentence(items.back())) append_line(items.back(), line);
  }
  return without_repeats_and_blanks(items);
}

}  // namespace longalign::synth
