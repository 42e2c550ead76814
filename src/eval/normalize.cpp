#include "eval/normalize.h"

#include <algorithm>

#include "text/unicode.h"

namespace longalign::eval {

namespace {

// Python's string.punctuation.
constexpr std::u32string_view kAsciiPunctuation = U"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

// The full-width and CJK marks LongBench adds for Chinese answers (its cn_punctuation).
constexpr std::u32string_view kChinesePunctuation =
    U"！？｡。＂＃＄％＆＇（）＊＋，－／：；＜＝＞＠［＼］＾＿｀｛｜｝～｟｠｢｣､、〃》「」『』【】〔"
    U"〕〖〗"
    U"〘〙〚〛〜〝〞〟〰〾〿–—‘’‛“”„‟…‧﹏.";

// Python's str.isspace() also counts the ASCII information separators U+001C..U+001F, which the
// White_Space property does not.
bool is_python_space(char32_t cp) {
  return text::is_whitespace(cp) || (cp >= 0x1C && cp <= 0x1F);
}

// Python's \w in a Unicode pattern: letters, digits and the underscore.
bool is_word_char(char32_t cp) {
  return cp == U'_' || text::is_alphanumeric(cp);
}

std::u32string decode(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) out.push_back(text::next_code_point(s, i));
  return out;
}

std::string encode(std::u32string_view s) {
  std::string out;
  for (const char32_t cp : s) text::append_utf8(out, cp);
  return out;
}

std::u32string without(std::u32string s, std::u32string_view a, std::u32string_view b = {}) {
  std::erase_if(s, [&](char32_t cp) {
    return a.find(cp) != std::u32string_view::npos || b.find(cp) != std::u32string_view::npos;
  });
  return s;
}

// re.sub(r"\b(a|an|the)\b", " ", s): an article counts only as a whole word, where "word" means
// \w, so "the" in "other" or "the_end" stays.
std::u32string replace_articles(std::u32string_view s) {
  static constexpr std::u32string_view kArticles[] = {U"the", U"an", U"a"};
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const bool boundary_before = i == 0 || !is_word_char(s[i - 1]);
    size_t matched = 0;
    for (const std::u32string_view article : kArticles) {
      if (!boundary_before || s.substr(i, article.size()) != article) continue;
      const size_t end = i + article.size();
      if (end == s.size() || !is_word_char(s[end])) matched = article.size();
      if (matched) break;
    }
    if (matched) {
      out.push_back(U' ');
      i += matched;
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> split_whitespace(std::string_view s) {
  std::vector<std::string> words;
  std::string word;
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    const char32_t cp = text::next_code_point(s, i);
    if (is_python_space(cp)) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word.append(s.substr(start, i - start));
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::vector<std::string> split_characters(std::string_view s) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    text::next_code_point(s, i);
    chars.emplace_back(s.substr(start, i - start));
  }
  return chars;
}

std::string normalize_answer(std::string_view s) {
  const std::u32string kept = without(decode(text::to_lower(s)), kAsciiPunctuation);
  std::string joined;
  for (const std::string& w : split_whitespace(encode(replace_articles(kept)))) {
    joined.append(joined.empty() ? "" : " ").append(w);
  }
  return joined;
}

std::string normalize_zh_answer(std::string_view s) {
  std::u32string kept = without(decode(text::to_lower(s)), kAsciiPunctuation, kChinesePunctuation);
  std::erase_if(kept, is_python_space);
  return encode(kept);
}

}  // namespace longalign::eval
