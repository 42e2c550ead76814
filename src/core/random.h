// SplitMix64, the project's one seeded generator: the same stream on every platform and standard
// library (std::mt19937's distributions and std::shuffle do not promise that), so a seed replays
// a plan, a data mix or a synthetic sample exactly.
#pragma once

#include <cstdint>

namespace longalign {

// The generator's output function, applied to a state that has just been advanced.
inline uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Advances `state` (a Weyl sequence) and returns the next value of the stream.
inline uint64_t splitmix64(uint64_t& state) {
  return splitmix64_mix(state += 0x9e3779b97f4a7c15ULL);
}

// The value a stream seeded with `x` starts with: a well-mixed hash of x.
inline uint64_t splitmix64_hash(uint64_t x) {
  return splitmix64(x);
}

}  // namespace longalign
