#include "data/synthetic_lengths.h"

#include <algorithm>
#include <cmath>

#include "data/shuffle.h"

namespace longalign::data {

namespace {

// Uniform in (0, 1): 53 random bits, never exactly 0 so the logarithm below is finite.
double uniform01(uint64_t& state) {
  return (static_cast<double>(splitmix64(state) >> 11) + 0.5) * 0x1.0p-53;
}

// Box-Muller; one of the pair is enough here.
double standard_normal(uint64_t& state) {
  const double u = uniform01(state), v = uniform01(state);
  return std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586 * v);
}

Sample with_targets(uint32_t length, uint64_t& state) {
  // Answers are 10-90% of a sample; the rest is the prompt. At least one target token.
  const double share = 0.1 + 0.8 * uniform01(state);
  const auto targets = static_cast<uint32_t>(std::max(1.0, std::floor(share * length)));
  return {length, std::min(targets, length)};
}

}  // namespace

std::vector<Sample> synthetic_lengths(const LengthMix& mix, uint64_t seed) {
  uint64_t state = seed;
  std::vector<Sample> samples;
  samples.reserve(mix.short_count + mix.long_count);
  const double log_median = std::log(mix.short_median);
  for (uint64_t i = 0; i < mix.short_count; ++i) {
    const double len = std::exp(log_median + mix.short_sigma * standard_normal(state));
    const double clipped = std::clamp(std::round(len), 16.0, static_cast<double>(mix.max_tokens));
    samples.push_back(with_targets(static_cast<uint32_t>(clipped), state));
  }
  const uint64_t span = uint64_t{mix.long_max} - mix.long_min + 1;
  for (uint64_t i = 0; i < mix.long_count; ++i) {
    const auto len = static_cast<uint32_t>(mix.long_min + splitmix64(state) % span);
    samples.push_back(with_targets(std::min(len, mix.max_tokens), state));
  }
  seeded_shuffle(samples, splitmix64(state));
  return samples;
}

}  // namespace longalign::data
