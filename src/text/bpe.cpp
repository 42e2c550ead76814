#include "text/bpe.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <queue>

#include "core/error.h"
#include "text/unicode.h"

namespace longalign::text {

std::span<const TokenId> BpeCache::find(std::string_view word, uint64_t hash) const {
  if (slots_.empty()) return {};
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.hash == 0) return {};
    if (slot.hash == hash &&
        word == std::string_view(keys_).substr(slot.key_offset, slot.key_length)) {
      return std::span<const TokenId>(ids_).subspan(slot.id_offset, slot.id_count);
    }
  }
}

void BpeCache::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<size_t>(1024, old.size() * 2), Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.hash == 0) continue;
    size_t i = slot.hash & mask;
    while (slots_[i].hash != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

void BpeCache::insert(std::string_view word, uint64_t hash, std::span<const TokenId> ids) {
  if (word.size() > kMaxWordBytes || ids.empty() || ids.size() > UINT16_MAX) return;
  if (entries_ >= kMaxEntries) {
    slots_.assign(slots_.size(), Slot{});
    keys_.clear();
    ids_.clear();
    entries_ = 0;
  }
  if (2 * (entries_ + 1) > slots_.size()) grow();
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i].hash != 0) i = (i + 1) & mask;
  slots_[i] = Slot{hash, static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(ids_.size()),
                   static_cast<uint16_t>(word.size()), static_cast<uint16_t>(ids.size())};
  keys_.append(word);
  ids_.insert(ids_.end(), ids.begin(), ids.end());
  ++entries_;
}

void Bpe::MergeTable::reserve(size_t count) {
  const size_t slots = std::bit_ceil(std::max<size_t>(16, count * 2));
  keys_.assign(slots, ~uint64_t{0});
  values_.assign(slots, Merge{});
  mask_ = slots - 1;
}

namespace {

inline uint64_t mix(uint64_t k) {  // a 64-bit finalizer: pair ids are far from uniform
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  return k;
}

}  // namespace

void Bpe::MergeTable::insert(TokenId left, TokenId right, Merge merge) {
  const uint64_t k = key(left, right);
  for (uint64_t slot = mix(k) & mask_;; slot = (slot + 1) & mask_) {
    if (keys_[slot] == k) return;  // a repeated merge keeps its first (lowest) rank
    if (keys_[slot] == ~uint64_t{0}) {
      keys_[slot] = k;
      values_[slot] = merge;
      return;
    }
  }
}

const Bpe::Merge* Bpe::MergeTable::find(TokenId left, TokenId right) const {
  const uint64_t k = key(left, right);
  for (uint64_t slot = mix(k) & mask_;; slot = (slot + 1) & mask_) {
    if (keys_[slot] == k) return &values_[slot];
    if (keys_[slot] == ~uint64_t{0}) return nullptr;
  }
}

namespace {

std::string optional_string(const Json& model, const char* key, const std::string& where) {
  const auto it = model.find(key);
  if (it == model.end() || it->is_null()) return {};
  if (!it->is_string()) throw Error(where + ": field \"" + key + "\" must be a string or null");
  return it->get<std::string>();
}

}  // namespace

Bpe::Bpe(const Json& model, const std::string& where) {
  const std::string type = json_string(model, "type", where);
  if (type != "BPE") throw Error(where + ": unsupported model type \"" + type + "\" (only BPE)");
  if (const auto d = model.find("dropout"); d != model.end() && !d->is_null()) {
    if (!d->is_number()) throw Error(where + ": field \"dropout\" must be a number or null");
    if (d->get<double>() > 0.0) {
      throw Error(where + ": BPE dropout is not supported (it makes encoding random)");
    }
  }
  const Json& vocab = json_field(model, "vocab", where);
  if (!vocab.is_object()) throw Error(where + ".vocab: expected an object of token -> id");
  vocab_.reserve(vocab.size());
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_unsigned()) {
      throw Error(where + ".vocab: token \"" + token + "\" has an id that is not a whole number");
    }
    const auto value = id.get<uint64_t>();
    if (value > kMaxTokenId) {
      throw Error(where + ".vocab: id " + std::to_string(value) + " of \"" + token +
                  "\" is larger than any vocabulary (limit " + std::to_string(kMaxTokenId) + ")");
    }
    if (value >= id_to_token_.size()) id_to_token_.resize(value + 1);
    id_to_token_[value] = token;
    vocab_.insert(token, static_cast<TokenId>(value));
  }
  continuing_prefix_ = optional_string(model, "continuing_subword_prefix", where);
  end_suffix_ = optional_string(model, "end_of_word_suffix", where);
  fuse_unk_ = json_bool_or(model, "fuse_unk", false, where);
  byte_fallback_ = json_bool_or(model, "byte_fallback", false, where);
  ignore_merges_ = json_bool_or(model, "ignore_merges", false, where);
  if (const std::string unk = optional_string(model, "unk_token", where); !unk.empty()) {
    const auto id = token_to_id(unk);
    if (!id) throw Error(where + ": unk_token \"" + unk + "\" is not in the vocabulary");
    unk_ = *id;
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_token_[b] = token_to_id(name);
  }
  single_char_id_.assign(0x10000, -1);
  for (const auto& [token, id] : vocab_.entries()) {
    size_t i = 0;
    if (token.empty()) continue;
    const char32_t cp = next_code_point(token, i);
    if (i == token.size() && cp < 0x10000) single_char_id_[cp] = id;
  }
  read_merges(json_field(model, "merges", where), where + ".merges");
  cut_before_metaspace_ = metaspace_cuts_are_exact();
}

void Bpe::read_merges(const Json& merges, const std::string& where) {
  if (!merges.is_array()) throw Error(where + ": expected an array");
  merges_.reserve(merges.size());
  std::string merged;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const Json& m = merges[rank];
    const auto fail = [&](const std::string& why) {
      return Error(where + "[" + std::to_string(rank) + "]: " + why);
    };
    std::string_view left, right;
    if (m.is_string()) {  // "left right"
      const std::string_view s = m.get_ref<const std::string&>();
      const size_t space = s.find(' ');
      if (space == std::string_view::npos || s.find(' ', space + 1) != std::string_view::npos) {
        throw fail("\"" + std::string(s) + "\" is not two tokens separated by one space");
      }
      left = s.substr(0, space);
      right = s.substr(space + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      left = m[0].get_ref<const std::string&>();
      right = m[1].get_ref<const std::string&>();
    } else {
      throw fail("expected \"a b\" or [\"a\", \"b\"]");
    }
    const auto l = token_to_id(left), r = token_to_id(right);
    if (!l) throw fail("token \"" + std::string(left) + "\" is not in the vocabulary");
    if (!r) throw fail("token \"" + std::string(right) + "\" is not in the vocabulary");
    if (right.substr(0, continuing_prefix_.size()) == continuing_prefix_) {
      right.remove_prefix(continuing_prefix_.size());
    }
    merged.assign(left).append(right);
    const auto id = token_to_id(merged);
    if (!id) throw fail("token \"" + merged + "\" is not in the vocabulary");
    merges_.insert(*l, *r, Merge{static_cast<uint32_t>(rank), *id});
  }
}

std::optional<TokenId> Bpe::token_to_id(std::string_view token) const {
  return vocab_.find(token);
}

const std::string* Bpe::id_to_token(TokenId id) const {
  return id < id_to_token_.size() ? &id_to_token_[id] : nullptr;
}

// Each character becomes a symbol: its vocabulary id, else its UTF-8 bytes as <0xXX> tokens
// (byte_fallback), else the unknown token (consecutive unknowns fused into one with fuse_unk),
// else nothing: Hugging Face drops characters it cannot represent at all.
void Bpe::initial_symbols(std::string_view word, std::vector<TokenId>& symbols) const {
  const bool affixes = !continuing_prefix_.empty() || !end_suffix_.empty();
  bool pending_unk = false;
  std::string affixed;
  for (size_t i = 0; i < word.size();) {
    const size_t start = i;
    const char32_t cp = next_code_point(word, i);
    std::optional<TokenId> id;
    if (!affixes && cp < 0x10000) {
      if (single_char_id_[cp] >= 0) id = static_cast<TokenId>(single_char_id_[cp]);
    } else {
      affixed.assign(start > 0 ? continuing_prefix_ : std::string());
      affixed.append(word.substr(start, i - start));
      if (i == word.size()) affixed.append(end_suffix_);
      id = token_to_id(affixed);
    }
    if (id) {
      if (pending_unk) symbols.push_back(*unk_);
      pending_unk = false;
      symbols.push_back(*id);
      continue;
    }
    if (byte_fallback_) {
      // Hugging Face falls back to the bytes of the affixed string, prefix and suffix included.
      const std::string_view bytes =
          affixes ? std::string_view(affixed) : word.substr(start, i - start);
      const auto byte_id = [&](char c) { return byte_token_[static_cast<unsigned char>(c)]; };
      if (std::all_of(bytes.begin(), bytes.end(), [&](char c) { return byte_id(c).has_value(); })) {
        for (const char c : bytes) symbols.push_back(*byte_id(c));
        continue;
      }
    }
    if (unk_) {
      if (pending_unk && !fuse_unk_) symbols.push_back(*unk_);
      pending_unk = true;
    }
  }
  if (pending_unk) symbols.push_back(*unk_);
}

// Few symbols: rescanning all pairs per merge beats a heap.
void Bpe::merge_short(std::vector<TokenId>& symbols) const {
  while (symbols.size() > 1) {
    uint32_t best_rank = UINT32_MAX;
    size_t best = 0;
    TokenId merged = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      const Merge* m = merges_.find(symbols[i], symbols[i + 1]);
      if (m && m->rank < best_rank) {
        best_rank = m->rank;
        best = i;
        merged = m->merged;
      }
    }
    if (best_rank == UINT32_MAX) return;
    symbols[best] = merged;
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
}

// Many symbols (a long word, or a whole text without a pre-tokenizer): a heap of candidate
// pairs keyed by (rank, position) over a linked list, with stale entries skipped when popped.
void Bpe::merge_long(std::vector<TokenId>& symbols) const {
  const size_t n = symbols.size();
  std::vector<int64_t> prev(n), next(n);
  std::vector<bool> alive(n, true);
  for (size_t i = 0; i < n; ++i) {
    prev[i] = static_cast<int64_t>(i) - 1;
    next[i] = i + 1 < n ? static_cast<int64_t>(i + 1) : -1;
  }
  struct Candidate {
    uint32_t rank;
    size_t pos;
    TokenId merged;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  const auto push = [&](size_t left) {
    if (next[left] < 0) return;
    if (const Merge* m = merges_.find(symbols[left], symbols[static_cast<size_t>(next[left])])) {
      heap.push({m->rank, left, m->merged});
    }
  };
  for (size_t i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    const Candidate top = heap.top();
    heap.pop();
    if (!alive[top.pos] || next[top.pos] < 0) continue;
    const auto right = static_cast<size_t>(next[top.pos]);
    const Merge* current = merges_.find(symbols[top.pos], symbols[right]);
    if (!current || current->merged != top.merged) continue;  // stale: a neighbour changed
    symbols[top.pos] = top.merged;
    alive[right] = false;
    next[top.pos] = next[right];
    if (next[right] >= 0) prev[static_cast<size_t>(next[right])] = static_cast<int64_t>(top.pos);
    if (prev[top.pos] >= 0) push(static_cast<size_t>(prev[top.pos]));
    push(top.pos);
  }
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (alive[i]) symbols[out++] = symbols[i];
  }
  symbols.resize(out);
}

void Bpe::tokenize(std::string_view word, BpeCache& cache, std::vector<TokenId>& out) const {
  if (!cut_before_metaspace_) return tokenize_word(word, cache, out);
  // Cut before each "▁" that follows another character; runs of "▁" stay with the word after.
  size_t start = 0;
  for (size_t at = word.find(kMetaspace, 1); at != std::string_view::npos;
       at = word.find(kMetaspace, at + kMetaspace.size())) {
    const size_t n = kMetaspace.size();
    if (at >= n && word.compare(at - n, n, kMetaspace) == 0) continue;
    tokenize_word(word.substr(start, at - start), cache, out);
    start = at;
  }
  tokenize_word(word.substr(start), cache, out);
}

void Bpe::tokenize_word(std::string_view word, BpeCache& cache, std::vector<TokenId>& out) const {
  if (word.empty()) return;
  const uint64_t hash = hash_bytes(word);
  if (const auto hit = cache.find(word, hash); !hit.empty()) {
    out.insert(out.end(), hit.begin(), hit.end());
    return;
  }
  std::vector<TokenId> symbols;
  if (ignore_merges_) {
    if (const auto id = token_to_id(word)) symbols.push_back(*id);
  }
  if (symbols.empty()) {
    initial_symbols(word, symbols);
    if (symbols.size() <= 48) {
      merge_short(symbols);
    } else {
      merge_long(symbols);
    }
  }
  cache.insert(word, hash, symbols);
  out.insert(out.end(), symbols.begin(), symbols.end());
}

// A merge makes a vocabulary token, so when no token holds "▁" right after another character, no
// symbol ever spans such a place and the words on either side merge independently: cutting
// there gives the same ids as merging the whole text at once, far faster, and lets the word cache
// work for SentencePiece-style vocabularies that run BPE over whole texts. Affixes and
// ignore_merges look at whole words, so they rule the cut out.
bool Bpe::metaspace_cuts_are_exact() const {
  if (ignore_merges_ || !continuing_prefix_.empty() || !end_suffix_.empty()) return false;
  if (!token_to_id(kMetaspace)) return false;
  for (const auto& [token, id] : vocab_.entries()) {
    for (size_t at = token.find(kMetaspace, 1); at != std::string::npos;
         at = token.find(kMetaspace, at + 1)) {
      const size_t n = kMetaspace.size();
      if (at < n || token.compare(at - n, n, kMetaspace) != 0) return false;
    }
  }
  return true;
}

}  // namespace longalign::text
