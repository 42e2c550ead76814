// The loss bookkeeping: weighting every target token of sequence i by 1/(N_i·M) and summing over
// a step, with K and M from the plan, must give the mean over sequences of each sequence's mean
// token loss (computed here independently), and so must LongAlign's K/(N_i·M) per pack averaged
// over the K packs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "data/plan.h"

namespace longalign::data {
namespace {

TEST(LossWeights, StepWeightsGiveTheMeanOfPerSequenceMeans) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> loss(0.0, 8.0);
  for (uint32_t trial = 0; trial < 10; ++trial) {
    std::vector<Sample> samples(200 + trial * 50);
    for (auto& s : samples) {
      s.length = 1 + rng() % 3000;
      s.targets = 1 + rng() % s.length;
    }
    // Per-token losses of every target token of every sample.
    std::vector<std::vector<double>> token_loss(samples.size());
    for (size_t i = 0; i < samples.size(); ++i) {
      for (uint32_t t = 0; t < samples[i].targets; ++t) token_loss[i].push_back(loss(rng));
    }
    PlanOptions o;
    o.method = trial % 2 ? Method::kPack : Method::kSort;
    o.max_tokens = 8192;
    o.batch_size = 4;
    o.world_size = 1 + trial % 4;
    o.grad_accum = 1 + trial % 3;
    o.seed = trial;
    const Plan plan = make_plan(samples, o);
    for (const Step& step : plan.steps) {
      double weighted = 0, longalign = 0, expected = 0;
      for (const auto& rank : step.ranks) {
        for (const MicroBatch& mb : rank) {
          double pack_sum = 0;
          for (const uint32_t id : mb) {
            const double n = samples[id].targets;
            double seq_sum = 0;
            for (const double l : token_loss[id]) {
              weighted += l / (n * static_cast<double>(step.m));
              pack_sum += l * static_cast<double>(step.k) / (n * static_cast<double>(step.m));
              seq_sum += l;
            }
            expected += seq_sum / n;
          }
          longalign += pack_sum;
        }
      }
      expected /= static_cast<double>(step.m);
      longalign /= static_cast<double>(step.k);
      EXPECT_NEAR(weighted, expected, 1e-9 * expected);
      EXPECT_NEAR(longalign, expected, 1e-9 * expected);
    }
  }
}

}  // namespace
}  // namespace longalign::data
