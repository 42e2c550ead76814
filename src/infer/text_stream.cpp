#include "infer/text_stream.h"

#include <algorithm>
#include <span>
#include <utility>

namespace longalign::infer {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool ends_incomplete(const std::string& s) {
  return s.size() >= kReplacement.size() &&
         std::string_view(s).substr(s.size() - kReplacement.size()) == kReplacement;
}

}  // namespace

TextStream::TextStream(const text::Tokenizer& tokenizer, std::vector<std::string> stop_strings)
    : tokenizer_(tokenizer) {
  for (std::string& s : stop_strings) {
    if (s.empty()) continue;
    longest_stop_ = std::max(longest_stop_, s.size());
    stop_strings_.push_back(std::move(s));
  }
}

std::string TextStream::push(int32_t token) {
  if (stopped_) return {};
  tokens_.push_back(static_cast<text::TokenId>(token));
  const std::span<const text::TokenId> all(tokens_);
  // text since prefix_ with and without the tokens not yet read.
  const std::string before = tokenizer_.decode(all.subspan(prefix_, read_ - prefix_));
  const std::string after = tokenizer_.decode(all.subspan(prefix_));
  if (after.size() <= before.size() || ends_incomplete(after) ||
      after.compare(0, before.size(), before) != 0) {
    return {};
  }
  text_ += after.substr(before.size());
  prefix_ = read_;
  read_ = tokens_.size();
  find_stop();
  return take_until(stopped_ ? text_.size() : text_.size() - held_back());
}

std::string TextStream::finish() {
  if (!stopped_ && read_ < tokens_.size()) {
    const std::span<const text::TokenId> all(tokens_);
    const std::string before = tokenizer_.decode(all.subspan(prefix_, read_ - prefix_));
    const std::string after = tokenizer_.decode(all.subspan(prefix_));
    if (after.size() > before.size()) text_ += after.substr(before.size());
    read_ = tokens_.size();
    find_stop();
  }
  return take_until(text_.size());
}

void TextStream::find_stop() {
  size_t cut = std::string::npos;
  for (const std::string& stop : stop_strings_) {
    // A stop string found earlier would have ended the text, so it starts at most this far back.
    const size_t from = searched_ >= stop.size() - 1 ? searched_ - (stop.size() - 1) : 0;
    cut = std::min(cut, text_.find(stop, from));
  }
  searched_ = text_.size();
  if (cut == std::string::npos) return;
  text_.resize(cut);
  stopped_ = true;
}

size_t TextStream::held_back() const {
  // The longest suffix of text_ that is a proper prefix of some stop string.
  const size_t limit = std::min(text_.size(), longest_stop_ == 0 ? 0 : longest_stop_ - 1);
  for (size_t n = limit; n > 0; --n) {
    const std::string_view tail = std::string_view(text_).substr(text_.size() - n);
    for (const std::string& stop : stop_strings_) {
      if (stop.size() > n && std::string_view(stop).substr(0, n) == tail) return n;
    }
  }
  return 0;
}

std::string TextStream::take_until(size_t end) {
  if (end <= sent_) return {};
  std::string out = text_.substr(sent_, end - sent_);
  sent_ = end;
  return out;
}

}  // namespace longalign::infer
