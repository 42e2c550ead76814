// The haystack of a needle test: the user's text files as one long text, cut to a number of
// tokens, and the needle put between two of its sentences.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer.h"

namespace longalign::eval {

// The *.txt files of `dir` (other files are ignored) in name order, joined by blank lines.
// Throws Error when the folder cannot be read or holds no text.
std::string read_haystack_dir(const std::filesystem::path& dir);

// Where a sentence may start in `text`: 0, after each sentence end, and text.size(). A sentence
// ends at . ! ? followed by whitespace (the boundary is after that whitespace) and at 。！？
// (Chinese and Japanese put no space after them).
std::vector<size_t> sentence_boundaries(std::string_view text);

struct NeedlePlacement {
  std::string text;   // the context with the needle in it
  size_t offset = 0;  // byte offset of the needle in `text`
};

// Puts `needle` at the sentence boundary of `context` nearest to depth_percent of its bytes:
// 0 before the first sentence, 100 after the last. A space separates it from its neighbours.
NeedlePlacement insert_needle(std::string_view context, std::string_view needle,
                              double depth_percent);

// The haystack's tokens, the text repeated until there are enough for the longest context.
class Haystack {
 public:
  // Throws Error when `text` has no tokens.
  Haystack(const std::string& text, const text::Tokenizer& tokenizer, size_t min_tokens);

  size_t size() const { return ids_.size(); }
  // The text of the first `tokens` tokens (at most size()).
  std::string prefix(size_t tokens) const;

 private:
  const text::Tokenizer* tokenizer_;
  std::vector<text::TokenId> ids_;
};

}  // namespace longalign::eval
