// Seeded shuffling that gives the same order on every platform and standard library
// (std::shuffle and the std distributions do not promise that).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/random.h"

namespace longalign::data {

// The seed of one epoch, derived from the plan seed so epochs differ but replay exactly.
inline uint64_t epoch_seed(uint64_t seed, uint32_t epoch) {
  uint64_t state = seed;
  const uint64_t a = splitmix64(state);
  state = a ^ (0x632be59bd9b4e019ULL * (epoch + 1ULL));
  return splitmix64(state);
}

// Fisher-Yates. The modulo's bias is below size/2^64: invisible for anything we plan.
template <typename T>
void seeded_shuffle(std::vector<T>& items, uint64_t seed) {
  uint64_t state = seed;
  for (size_t i = items.size(); i > 1; --i) {
    const auto j = static_cast<size_t>(splitmix64(state) % i);
    std::swap(items[i - 1], items[j]);
  }
}

}  // namespace longalign::data
