#include "text/token_index.h"

#include <bit>
#include <cstring>

namespace longalign::text {

uint64_t hash_bytes(std::string_view bytes) {
  // Eight bytes at a time, each folded in with a multiply and a shift.
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ bytes.size();
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t chunk;
    std::memcpy(&chunk, bytes.data() + i, 8);
    h = (h ^ chunk) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  h = (h ^ tail) * 0x94D049BB133111EBULL;
  h ^= h >> 29;
  return h | 1;
}

void TokenIndex::reserve(size_t count) {
  entries_.reserve(count);
  if (2 * count > slots_.size()) rehash(std::bit_ceil(std::max<size_t>(16, 2 * count)));
}

void TokenIndex::rehash(size_t slot_count) {
  slots_.assign(slot_count, 0);
  const size_t mask = slot_count - 1;
  for (size_t e = 0; e < entries_.size(); ++e) {
    const uint64_t h = hash_bytes(entries_[e].token);
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = (h >> 32 << 32) | (e + 1);
  }
}

void TokenIndex::insert(std::string token, TokenId id) {
  if (2 * (entries_.size() + 1) > slots_.size()) rehash(std::max<size_t>(16, 2 * slots_.size()));
  const uint64_t h = hash_bytes(token);
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  for (; slots_[i] != 0; i = (i + 1) & mask) {
    if ((slots_[i] >> 32) == (h >> 32) && entries_[(slots_[i] & 0xFFFFFFFF) - 1].token == token) {
      return;
    }
  }
  entries_.push_back({std::move(token), id});
  slots_[i] = (h >> 32 << 32) | entries_.size();
}

std::optional<TokenId> TokenIndex::find(std::string_view token) const {
  if (slots_.empty()) return std::nullopt;
  const uint64_t h = hash_bytes(token);
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask; slots_[i] != 0; i = (i + 1) & mask) {
    if ((slots_[i] >> 32) != (h >> 32)) continue;
    const Entry& e = entries_[(slots_[i] & 0xFFFFFFFF) - 1];
    if (e.token == token) return e.id;
  }
  return std::nullopt;
}

}  // namespace longalign::text
