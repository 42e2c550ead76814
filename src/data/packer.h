// Bin packing of samples into packs of at most max_tokens tokens.
#pragma once

#include <cstdint>
#include <vector>

#include "data/samples.h"

namespace longalign::data {

// A micro-batch: the ids of the samples in one pack or one batch.
using MicroBatch = std::vector<uint32_t>;

enum class Packer {
  kFirstFitDecreasing,  // longest first, each into the first pack with room
  kBestFitDecreasing,   // longest first, each into the fullest pack with room
  kNextFit,             // LongAlign's own: data order, close a pack when the next does not fit
  kBalanced,  // longest first, each into the emptiest of a fixed number of packs (worst fit), so
              // every pack gets its share of long and short samples; see docs/DATA.md
};

// Packs every sample into packs of at most `max_tokens` tokens. Deterministic: the same input
// always gives the same packs in the same order. Samples longer than max_tokens must have been
// rejected by the caller.
std::vector<MicroBatch> pack_samples(const std::vector<Sample>& samples, uint64_t max_tokens,
                                     Packer packer);

}  // namespace longalign::data
