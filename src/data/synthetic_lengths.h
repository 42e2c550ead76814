// A synthetic length mix shaped like LongAlign's training data, for tests, benchmarks and
// planning before any data exists: many short chat sequences plus a long tail.
#pragma once

#include <cstdint>
#include <vector>

#include "data/samples.h"

namespace longalign::data {

struct LengthMix {
  uint64_t short_count = 80000;  // lognormal, median short_median, clipped to [16, max_tokens]
  double short_median = 800, short_sigma = 1.0;
  uint64_t long_count = 10000;  // uniform in [long_min, long_max]
  uint32_t long_min = 8192, long_max = 65536;
  uint32_t max_tokens = 65536;
};

// The samples in shuffled order (as a data loader sees them), all tokens targets except a
// pseudo-random prompt share. Same seed, same samples on every platform.
std::vector<Sample> synthetic_lengths(const LengthMix& mix, uint64_t seed);

}  // namespace longalign::data
