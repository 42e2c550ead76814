// Random packs for the engine tests: sequences of given lengths with random tokens, a random
// prompt/answer split, and unequal token weights as the trainer's loss modes produce.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "model/batch.h"

namespace longalign::model {

struct RandomSample {
  std::vector<uint32_t> ids;
  std::vector<uint8_t> mask;
};

inline std::vector<RandomSample> random_samples(const std::vector<int>& lengths, int64_t vocab,
                                                uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<RandomSample> out;
  for (int n : lengths) {
    RandomSample s;
    const int prompt = n > 1 ? int(rng() % n) : 0;
    for (int i = 0; i < n; ++i) {
      s.ids.push_back(rng() % vocab);
      s.mask.push_back(i >= prompt);
    }
    out.push_back(s);
  }
  return out;
}

inline Batch batch_of(const std::vector<RandomSample>& samples,
                      PackPositions positions = PackPositions::restart) {
  std::vector<SequenceView> views;
  for (const RandomSample& s : samples) views.push_back({s.ids, s.mask});
  Batch b = make_batch(views, positions);
  for (int64_t t = 0; t < b.size(); ++t) b.token_weights[t] *= 0.5f + 0.05f * float(t % 7);
  return b;
}

}  // namespace longalign::model
