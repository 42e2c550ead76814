#include "eval/haystack.h"

#include <algorithm>
#include <cmath>
#include <span>

#include "core/error.h"
#include "core/file_io.h"

namespace longalign::eval {

namespace fs = std::filesystem;

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

// The byte length of a full-width sentence end (。！？) starting at text[i], or 0.
size_t cjk_sentence_end(std::string_view text, size_t i) {
  for (const std::string_view mark : {"\u3002", "\uff01", "\uff1f"}) {
    if (text.substr(i, mark.size()) == mark) return mark.size();
  }
  return 0;
}

}  // namespace

std::string read_haystack_dir(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".txt") files.push_back(it->path());
  }
  if (ec) throw Error("cannot read the haystack folder " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::string text;
  for (const fs::path& file : files) {
    const std::string content = read_file(file);
    if (content.empty()) continue;
    if (!text.empty()) text += "\n\n";
    text += content;
  }
  if (std::all_of(text.begin(), text.end(), is_space)) {
    throw Error("the haystack folder " + dir.string() + " holds no text in *.txt files");
  }
  return text;
}

std::vector<size_t> sentence_boundaries(std::string_view text) {
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < text.size();) {
    size_t end = cjk_sentence_end(text, i);
    if (end == 0 && (text[i] == '.' || text[i] == '!' || text[i] == '?') && i + 1 < text.size() &&
        is_space(text[i + 1])) {
      end = 1;
    }
    if (end == 0) {
      ++i;
      continue;
    }
    i += end;
    while (i < text.size() && is_space(text[i])) ++i;
    if (i > starts.back()) starts.push_back(i);
  }
  if (text.size() > starts.back()) starts.push_back(text.size());
  return starts;
}

NeedlePlacement insert_needle(std::string_view context, std::string_view needle,
                              double depth_percent) {
  const std::vector<size_t> starts = sentence_boundaries(context);
  const double target = depth_percent / 100 * static_cast<double>(context.size());
  size_t at = starts.front();
  for (const size_t s : starts) {
    if (std::abs(static_cast<double>(s) - target) < std::abs(static_cast<double>(at) - target)) {
      at = s;
    }
  }
  // A sentence start already follows whitespace, so the needle needs a space after it only; at
  // the very end it needs one before it, unless the text ends with whitespace.
  NeedlePlacement p;
  p.text.assign(context.substr(0, at));
  if (at == context.size() && at > 0 && !is_space(context.back())) p.text += ' ';
  p.offset = p.text.size();
  p.text.append(needle);
  if (at < context.size()) p.text.append(" ").append(context.substr(at));
  return p;
}

Haystack::Haystack(const std::string& text, const text::Tokenizer& tokenizer, size_t min_tokens)
    : tokenizer_(&tokenizer) {
  const size_t once = tokenizer.encode(text).size();
  if (once == 0) throw Error("the haystack has no tokens");
  // Tokens may merge across the joins, so the estimate of copies is checked and raised.
  for (size_t copies = (min_tokens + once - 1) / once; ids_.size() < min_tokens; ++copies) {
    std::string repeated = text;
    for (size_t i = 1; i < copies; ++i) repeated.append("\n\n").append(text);
    ids_ = tokenizer.encode(repeated);
  }
}

std::string Haystack::prefix(size_t tokens) const {
  return tokenizer_->decode(std::span(ids_).first(std::min(tokens, ids_.size())));
}

}  // namespace longalign::eval
