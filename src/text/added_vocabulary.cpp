#include "text/added_vocabulary.h"

#include <algorithm>

#include "core/error.h"
#include "text/unicode.h"

namespace longalign::text {

namespace {

bool is_word_char(char32_t cp) {
  return cp == '_' || is_alphanumeric(cp);
}

char32_t code_point_before(std::string_view s, size_t end) {
  size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  return next_code_point(s, start);
}

}  // namespace

AddedVocabulary::AddedVocabulary(const Json& added_tokens, const Normalizer* normalizer,
                                 const std::string& where) {
  if (added_tokens.is_null()) return;
  if (!added_tokens.is_array()) throw Error(where + ": expected an array");
  tokens_.reserve(added_tokens.size());
  for (size_t i = 0; i < added_tokens.size(); ++i) {
    const Json& t = added_tokens[i];
    const std::string here = where + "[" + std::to_string(i) + "]";
    AddedToken token;
    token.content = json_string(t, "content", here);
    const Json& id = json_field(t, "id", here);
    if (!id.is_number_unsigned() || id.get<uint64_t>() > kMaxTokenId) {
      throw Error(here + ": \"id\" must be a whole number up to " + std::to_string(kMaxTokenId));
    }
    token.id = id.get<TokenId>();
    token.special = json_bool_or(t, "special", false, here);
    token.lstrip = json_bool_or(t, "lstrip", false, here);
    token.rstrip = json_bool_or(t, "rstrip", false, here);
    token.single_word = json_bool_or(t, "single_word", false, here);
    token.normalized = json_bool_or(t, "normalized", !token.special, here);
    if (token.content.empty()) throw Error(here + ": empty \"content\"");
    tokens_.push_back(std::move(token));
  }
  for (const AddedToken& token : tokens_) {
    if (token.normalized && normalizer) {
      std::string key = token.content;
      normalizer->normalize(key);
      normalized_.add(token, std::move(key));
    } else if (token.normalized) {
      normalized_.add(token, token.content);
    } else {
      raw_.add(token, token.content);
    }
  }
}

// Each bucket lists its entries longest key first, equal lengths in the order they were added, so
// the first entry that matches is the longest. Inserting into the one bucket keeps loading linear
// in practice (re-sorting everything on each add made 50k added tokens take minutes).
void AddedVocabulary::Matcher::add(const AddedToken& token, std::string key) {
  if (key.empty()) return;
  const size_t size = key.size();
  auto& bucket = by_first_[static_cast<unsigned char>(key[0])];
  entries_.push_back({std::move(key), &token});
  const auto at = std::upper_bound(bucket.begin(), bucket.end(), size,
                                   [&](size_t n, size_t e) { return n > entries_[e].key.size(); });
  bucket.insert(at, entries_.size() - 1);
}

const AddedVocabulary::Matcher::Entry* AddedVocabulary::Matcher::longest_at(
    std::string_view text, size_t at, bool split_special) const {
  for (const size_t e : by_first_[static_cast<unsigned char>(text[at])]) {
    const Entry& entry = entries_[e];
    if (split_special && entry.token->special) continue;
    if (text.compare(at, entry.key.size(), entry.key) == 0) return &entry;
  }
  return nullptr;
}

void AddedVocabulary::Matcher::split(std::string_view text, bool split_special,
                                     std::vector<Segment>& out) const {
  size_t emitted = 0;  // text before this offset has been written to `out`
  size_t at = 0;
  while (!entries_.empty() && at < text.size()) {
    if (by_first_[static_cast<unsigned char>(text[at])].empty()) {
      ++at;
      continue;
    }
    const Entry* entry = longest_at(text, at, split_special);
    if (!entry) {
      ++at;
      continue;
    }
    size_t start = at, stop = at + entry->key.size();
    at = stop;
    const AddedToken& token = *entry->token;
    if (token.single_word) {
      const bool free_left = start == 0 || !is_word_char(code_point_before(text, start));
      size_t i = stop;
      const bool free_right = stop == text.size() || !is_word_char(next_code_point(text, i));
      if (!free_left || !free_right) continue;
    }
    if (token.lstrip) {
      while (start > emitted) {
        const size_t before = start;
        size_t cp_start = start - 1;
        while (cp_start > emitted && (static_cast<unsigned char>(text[cp_start]) & 0xC0) == 0x80) {
          --cp_start;
        }
        size_t i = cp_start;
        if (!is_whitespace(next_code_point(text, i))) break;
        start = cp_start;
        if (start == before) break;
      }
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        size_t i = stop;
        if (!is_whitespace(next_code_point(text, i))) break;
        stop = i;
      }
      at = stop;
    }
    if (start > emitted) out.push_back({text.substr(emitted, start - emitted), std::nullopt});
    out.push_back({text.substr(start, stop - start), token.id});
    emitted = stop;
  }
  if (emitted < text.size()) out.push_back({text.substr(emitted), std::nullopt});
}

}  // namespace longalign::text
