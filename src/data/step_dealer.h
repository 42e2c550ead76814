// Dealing packs into optimizer steps so that every step looks like the data set. Packs differ in
// what they hold (a pack with one 60k-token sample holds one sequence; a pack of short chats
// holds a hundred), and with LongAlign's loss weighting every sequence of a step weighs 1/M, so a
// step of few sequences weighs each of them many times more than a crowded one. Consecutive runs
// of `per_step` packs in the dealt order are the steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/packer.h"

namespace longalign::data {

// Stratified dealing: the packs, ordered by their sequence count (ties in seeded random order),
// are cut into `per_step` strata of equal size; each stratum gives one pack to every step, its
// packs in random order, the lightest steps so far served first. A step so holds one pack from
// every part of the distribution, and its sequence count stays near the mean. The steps are then
// shuffled. When `per_step` does not divide the pack count, a random remainder forms the last,
// short step. Deterministic for a seed; every pack exactly once.
std::vector<MicroBatch> deal_into_steps(std::vector<MicroBatch> packs, size_t per_step,
                                        uint64_t seed);

}  // namespace longalign::data
