// The text of a generation as its tokens arrive: what can be shown now, and where a stop string
// ends it.
//
// Tokens are decoded incrementally: the text of the tokens since `prefix_` is decoded twice, with
// and without the newest ones, and only the difference is new (decoders that drop a leading space
// or merge byte tokens see the same context both times). Text that ends in U+FFFD, an incomplete
// UTF-8 sequence from byte-fallback tokens, waits for the next token. Text that could be the
// start of a stop string is held back until it is known not to be one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace longalign::infer {

class TextStream {
 public:
  TextStream(const text::Tokenizer& tokenizer, std::vector<std::string> stop_strings);

  // Adds a generated token; returns the text that may be shown now (often empty). After a stop
  // string appears, stopped() is true and the text ends before it.
  std::string push(int32_t token);
  // The end of the generation: returns the text still held back (an incomplete UTF-8 tail or a
  // prefix of a stop string that never completed).
  std::string finish();

  bool stopped() const { return stopped_; }
  // All text so far, cut before the stop string; held-back text included.
  const std::string& text() const { return text_; }

 private:
  // Searches the text added since `searched_` for a stop string; cuts the text at the first.
  void find_stop();
  // Bytes at the end of text_ that could begin a stop string.
  size_t held_back() const;
  std::string take_until(size_t end);

  const text::Tokenizer& tokenizer_;
  std::vector<std::string> stop_strings_;
  size_t longest_stop_ = 0;
  std::vector<text::TokenId> tokens_;
  size_t prefix_ = 0;    // tokens before this are settled in text_
  size_t read_ = 0;      // tokens before this are decoded into text_
  std::string text_;     // decoded, complete UTF-8
  size_t sent_ = 0;      // bytes of text_ returned so far
  size_t searched_ = 0;  // stop strings cannot start before this byte
  bool stopped_ = false;
};

}  // namespace longalign::infer
