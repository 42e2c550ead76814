#include "infer/prefix_cache.h"

#include <algorithm>
#include <utility>

namespace longalign::infer {

int64_t common_prefix(std::span<const int32_t> a, std::span<const int32_t> b) {
  const auto mismatch =
      std::mismatch(a.begin(), a.begin() + std::min(a.size(), b.size()), b.begin());
  return static_cast<int64_t>(mismatch.first - a.begin());
}

void PrefixCache::put(std::vector<int32_t> tokens, KvCache cache) {
  tokens.resize(static_cast<size_t>(cache.length()));
  bytes_ += cache.bytes();
  entries_.push_front({std::move(tokens), std::move(cache)});
  evict();
}

PrefixCache::Entry* PrefixCache::longest_match(std::span<const int32_t> prompt, int64_t* shared) {
  auto best = entries_.end();
  int64_t best_length = 0;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const int64_t n = common_prefix(prompt, it->tokens);
    if (n > best_length) {
      best = it;
      best_length = n;
    }
  }
  *shared = best_length;
  if (best == entries_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, best);
  return &entries_.front();
}

PrefixCache::Entry PrefixCache::take(Entry* entry) {
  auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return &e == entry; });
  Entry out = std::move(*it);
  bytes_ -= out.cache.bytes();
  entries_.erase(it);
  return out;
}

void PrefixCache::evict() {
  while (bytes_ > max_bytes_ && !entries_.empty()) {
    bytes_ -= entries_.back().cache.bytes();
    entries_.pop_back();
  }
}

}  // namespace longalign::infer
