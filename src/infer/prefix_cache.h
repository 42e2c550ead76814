// Finished requests' KV caches kept for reuse: a new prompt that starts with tokens one of them
// holds (the next turn of a chat, another question on the same document, a judge prompt with the
// same few-shot examples) takes those keys and values instead of computing them again. Bounded
// in bytes; the least recently used entry goes first.
#pragma once

#include <cstdint>
#include <list>
#include <span>
#include <vector>

#include "infer/kv_cache.h"

namespace longalign::infer {

// The number of leading tokens a and b share.
int64_t common_prefix(std::span<const int32_t> a, std::span<const int32_t> b);

class PrefixCache {
 public:
  explicit PrefixCache(int64_t max_bytes) : max_bytes_(max_bytes) {}

  struct Entry {
    std::vector<int32_t> tokens;  // the tokens whose keys and values `cache` holds
    KvCache cache;
  };

  // Keeps `cache` with the tokens it holds (cache.length() of them), then drops the least
  // recently used entries until the total is within max_bytes (the new one too, if it alone
  // exceeds it).
  void put(std::vector<int32_t> tokens, KvCache cache);

  // The entry sharing the longest prefix with `prompt` (marked as just used), or null when none
  // shares a token. `shared` receives the length of that prefix.
  Entry* longest_match(std::span<const int32_t> prompt, int64_t* shared);

  // Removes `entry` from the cache and returns it (a new request takes its cache over).
  Entry take(Entry* entry);

  int64_t bytes() const { return bytes_; }
  size_t size() const { return entries_.size(); }

 private:
  void evict();

  int64_t max_bytes_;
  int64_t bytes_ = 0;
  std::list<Entry> entries_;  // most recently used first
};

}  // namespace longalign::infer
