// Added tokens ("added_tokens" of tokenizer.json): strings matched whole in the text before the
// model sees it, such as <|im_start|> or </s>, with Hugging Face's lstrip, rstrip, single_word and
// normalized options. Matching is leftmost-longest, as Hugging Face's Aho-Corasick is.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "text/components.h"
#include "text/tokenizer.h"

namespace longalign::text {

struct AddedToken {
  std::string content;
  TokenId id = 0;
  bool special = false;
  bool lstrip = false, rstrip = false, single_word = false, normalized = false;
};

// A piece of text: either a matched added token (`id` set) or text for the model.
struct Segment {
  std::string_view text;
  std::optional<TokenId> id;
};

class AddedVocabulary {
 public:
  // `normalizer` (may be null) is applied to the content of tokens marked normalized, which are
  // then matched in normalized text.
  AddedVocabulary(const Json& added_tokens, const Normalizer* normalizer, const std::string& where);
  AddedVocabulary(const AddedVocabulary&) = delete;  // matchers point into tokens_
  AddedVocabulary& operator=(const AddedVocabulary&) = delete;

  // Splits raw text around tokens that match before normalization.
  void split_raw(std::string_view text, bool split_special, std::vector<Segment>& out) const {
    raw_.split(text, split_special, out);
  }
  // Splits normalized text around tokens that match after normalization.
  void split_normalized(std::string_view text, bool split_special,
                        std::vector<Segment>& out) const {
    normalized_.split(text, split_special, out);
  }

  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  class Matcher {
   public:
    void add(const AddedToken& token, std::string key);
    void split(std::string_view text, bool split_special, std::vector<Segment>& out) const;
    bool empty() const { return entries_.empty(); }

   private:
    struct Entry {
      std::string key;  // the string matched in the text
      const AddedToken* token;
    };
    const Entry* longest_at(std::string_view text, size_t at, bool split_special) const;
    std::vector<Entry> entries_;                       // in the order added
    std::array<std::vector<size_t>, 256> by_first_{};  // first byte -> entries, longest key first
  };

  std::vector<AddedToken> tokens_;
  Matcher raw_, normalized_;
};

}  // namespace longalign::text
