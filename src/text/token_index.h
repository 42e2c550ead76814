// Token string -> id lookups: a flat open-addressing table over the tokens, since loading a
// vocabulary resolves every merge's three tokens (600k lookups for a 200k vocabulary) and
// encoding looks up words.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer.h"

namespace longalign::text {

// A fast 64-bit hash of a short byte string, never 0.
uint64_t hash_bytes(std::string_view bytes);

class TokenIndex {
 public:
  struct Entry {
    std::string token;
    TokenId id;
  };

  void reserve(size_t count);
  // Adds `token`; a token already present keeps its first id.
  void insert(std::string token, TokenId id);
  std::optional<TokenId> find(std::string_view token) const;

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  void rehash(size_t slot_count);
  std::vector<Entry> entries_;
  // Per slot: the high 32 bits of the hash, then the entry index + 1 (0 = empty).
  std::vector<uint64_t> slots_;
};

}  // namespace longalign::text
