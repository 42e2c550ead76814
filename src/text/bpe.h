// Byte-pair encoding as Hugging Face's BPE model defines it: a word's characters start as
// symbols, and the adjacent pair with the lowest merge rank (leftmost among equals) is merged
// until no pair has a rank. Covers both styles in use: byte-level vocabularies (GPT-2, Llama-3,
// Qwen, GPT-4o) and SentencePiece-style ones with byte fallback and fused unknowns (Llama-2).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "text/token_index.h"
#include "text/tokenizer.h"

namespace longalign::text {

// Words already encoded, per thread: natural text repeats the same words constantly. A flat
// open-addressing table over two arenas (key bytes, ids), since a lookup happens for every word
// of every text; cleared whole when full.
class BpeCache {
 public:
  // `hash` is hash_bytes(word).
  std::span<const TokenId> find(std::string_view word, uint64_t hash) const;  // empty: a miss
  void insert(std::string_view word, uint64_t hash, std::span<const TokenId> ids);

 private:
  struct Slot {
    uint64_t hash = 0;  // 0 marks an empty slot (hash() never returns 0)
    uint32_t key_offset = 0, id_offset = 0;
    uint16_t key_length = 0, id_count = 0;
  };
  static constexpr size_t kMaxEntries = 1 << 16;
  static constexpr size_t kMaxWordBytes = 256;
  void grow();
  std::vector<Slot> slots_;
  std::string keys_;
  std::vector<TokenId> ids_;
  size_t entries_ = 0;
};

class Bpe {
 public:
  // Builds from the "model" object of tokenizer.json; `where` names it in errors.
  Bpe(const Json& model, const std::string& where);

  // Appends the ids of one pre-tokenized word.
  void tokenize(std::string_view word, BpeCache& cache, std::vector<TokenId>& out) const;

  size_t size() const { return id_to_token_.size(); }
  std::optional<TokenId> token_to_id(std::string_view token) const;
  const std::string* id_to_token(TokenId id) const;

 private:
  struct Merge {
    uint32_t rank;
    TokenId merged;
  };
  // Open addressing over the packed pair (left << 32 | right): merges are looked up for every
  // adjacent pair of every word, so this table is the hot path.
  class MergeTable {
   public:
    void reserve(size_t count);
    void insert(TokenId left, TokenId right, Merge merge);
    const Merge* find(TokenId left, TokenId right) const;

   private:
    static uint64_t key(TokenId l, TokenId r) { return (uint64_t{l} << 32) | r; }
    std::vector<uint64_t> keys_;
    std::vector<Merge> values_;
    uint64_t mask_ = 0;
  };

  static constexpr std::string_view kMetaspace = "\u2581";  // SentencePiece's "▁"

  void read_merges(const Json& merges, const std::string& where);
  bool metaspace_cuts_are_exact() const;
  void tokenize_word(std::string_view word, BpeCache& cache, std::vector<TokenId>& out) const;
  void initial_symbols(std::string_view word, std::vector<TokenId>& symbols) const;
  void merge_short(std::vector<TokenId>& symbols) const;
  void merge_long(std::vector<TokenId>& symbols) const;

  TokenIndex vocab_;
  std::vector<std::string> id_to_token_;
  MergeTable merges_;
  std::vector<int64_t> single_char_id_;  // code point < 0x10000 -> id of that one-char token, or -1
  std::optional<TokenId> byte_token_[256];
  std::optional<TokenId> unk_;
  std::string continuing_prefix_, end_suffix_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  bool cut_before_metaspace_ = false;
};

}  // namespace longalign::text
