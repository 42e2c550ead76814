// Invariants of every method and packer on random inputs: each sample exactly once per epoch, no
// pack over max_tokens, steps of world_size x grad_accum micro-batches, determinism, epochs that
// differ, and ranks balanced within the greedy bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/error.h"
#include "data/plan.h"
#include "data/synthetic_lengths.h"

namespace longalign::data {
namespace {

struct Kind {
  Method method;
  Packer packer;
};

const Kind kKinds[] = {
    {Method::kPack, Packer::kBalanced},          {Method::kPack, Packer::kFirstFitDecreasing},
    {Method::kPack, Packer::kBestFitDecreasing}, {Method::kPack, Packer::kNextFit},
    {Method::kSort, Packer::kBestFitDecreasing}, {Method::kNaive, Packer::kBestFitDecreasing},
};

std::vector<Sample> random_samples(size_t n, uint32_t max_len, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Sample> s(n);
  for (auto& x : s) {
    x.length = 1 + rng() % max_len;
    x.targets = 1 + rng() % x.length;
  }
  return s;
}

PlanOptions options_for(const Kind& k, uint32_t seed) {
  PlanOptions o;
  o.method = k.method;
  o.packer = k.packer;
  o.max_tokens = 4096;
  o.batch_size = 3;
  o.grad_accum = 2;
  o.world_size = 3;
  o.seed = seed;
  o.epochs = 3;
  return o;
}

std::string name_of(const PlanOptions& o) {
  return method_name(o.method) + "/" + packer_name(o.packer);
}

TEST(Plan, EverySampleOncePerEpochAndPacksFit) {
  for (uint32_t trial = 0; trial < 20; ++trial) {
    const auto samples = random_samples(1 + trial * 37, 4096, trial);
    for (const Kind& k : kKinds) {
      const PlanOptions o = options_for(k, trial);
      SCOPED_TRACE(name_of(o) + " trial " + std::to_string(trial));
      const Plan plan = make_plan(samples, o);
      std::vector<std::vector<int>> seen(o.epochs, std::vector<int>(samples.size(), 0));
      uint32_t last_epoch = 0;
      for (size_t si = 0; si < plan.steps.size(); ++si) {
        const Step& step = plan.steps[si];
        ASSERT_GE(step.epoch, last_epoch);
        last_epoch = step.epoch;
        ASSERT_EQ(step.ranks.size(), o.world_size);
        uint64_t k_count = 0, m_count = 0;
        for (const auto& rank : step.ranks) {
          for (const MicroBatch& mb : rank) {
            ASSERT_FALSE(mb.empty());
            ++k_count;
            m_count += mb.size();
            uint64_t tokens = 0;
            for (const uint32_t id : mb) {
              ++seen[step.epoch][id];
              tokens += samples[id].length;
            }
            if (o.method == Method::kPack) {
              EXPECT_LE(tokens, o.max_tokens);
            } else {
              EXPECT_LE(mb.size(), o.batch_size);
            }
          }
        }
        EXPECT_EQ(step.k, k_count);
        EXPECT_EQ(step.m, m_count);
        // Only the last step of an epoch may be short.
        const bool last_of_epoch =
            si + 1 == plan.steps.size() || plan.steps[si + 1].epoch != step.epoch;
        if (!last_of_epoch) {
          EXPECT_EQ(step.k, uint64_t{o.world_size} * o.grad_accum);
        }
        EXPECT_GE(step.k, 1u);
      }
      for (const auto& epoch : seen) {
        for (const int count : epoch) ASSERT_EQ(count, 1);
      }
    }
  }
}

TEST(Plan, DeterministicForASeedAndEpochsDiffer) {
  const auto samples = random_samples(500, 2000, 7);
  for (const Kind& k : kKinds) {
    const PlanOptions o = options_for(k, 42);
    SCOPED_TRACE(name_of(o));
    const Plan a = make_plan(samples, o), b = make_plan(samples, o);
    ASSERT_EQ(a.steps.size(), b.steps.size());
    for (size_t i = 0; i < a.steps.size(); ++i) EXPECT_EQ(a.steps[i].ranks, b.steps[i].ranks);
    // The first step of each epoch: a reshuffle makes them differ.
    std::vector<const Step*> firsts;
    for (const Step& s : a.steps) {
      if (firsts.size() == s.epoch) firsts.push_back(&s);
    }
    ASSERT_EQ(firsts.size(), 3u);
    EXPECT_NE(firsts[0]->ranks, firsts[1]->ranks);
    EXPECT_NE(firsts[1]->ranks, firsts[2]->ranks);
    // Another seed, another order.
    PlanOptions other = o;
    other.seed = 43;
    EXPECT_NE(make_plan(samples, other).steps[0].ranks, a.steps[0].ranks);
  }
}

TEST(Plan, RanksWithinTheGreedyBound) {
  for (uint32_t trial = 0; trial < 30; ++trial) {
    const auto samples = random_samples(300, 65536, trial);
    PlanOptions o = options_for(kKinds[trial % std::size(kKinds)], trial);
    o.max_tokens = 65536;
    o.world_size = 1 + trial % 8;
    o.grad_accum = 1 + trial % 4;
    o.epochs = 1;
    for (const Step& step : make_plan(samples, o).steps) {
      double total = 0, largest = 0, slowest = 0;
      for (const auto& rank : step.ranks) {
        double load = 0;
        for (const MicroBatch& mb : rank) {
          const double c = micro_batch_compute(mb, samples, o.attention_divisor);
          load += c;
          total += c;
          largest = std::max(largest, c);
        }
        slowest = std::max(slowest, load);
      }
      // LPT: the slowest rank got its last micro-batch while least loaded.
      EXPECT_LE(slowest, total / o.world_size + largest + 1e-6);
    }
  }
}

TEST(Plan, RanksBalanceComputeNotTokens) {
  // Micro-batches 0 and 1 hold 64k tokens each, but one 64k sequence costs far more attention than
  // four of 16k. Balancing tokens would split the two small ones; balancing compute gives both to
  // the rank with the four 16k sequences.
  const std::vector<Sample> samples = {{65536, 1}, {16384, 1}, {16384, 1}, {16384, 1},
                                       {16384, 1}, {100, 1},   {100, 1}};
  const std::vector<MicroBatch> mbs = {{0}, {1, 2, 3, 4}, {5}, {6}};
  const auto ranks = balance_ranks(mbs, samples, 2, kDefaultAttentionDivisor);
  EXPECT_EQ(ranks[0], (std::vector<MicroBatch>{{0}}));
  EXPECT_EQ(ranks[1], (std::vector<MicroBatch>{{1, 2, 3, 4}, {5}, {6}}));
}

TEST(Plan, SampleLongerThanMaxTokensNamesIt) {
  const std::vector<Sample> samples = {{10, 5}, {5000, 10}, {20, 5}};
  PlanOptions o;
  o.max_tokens = 4096;
  try {
    make_plan(samples, o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sample 1 has 5000 tokens"), std::string::npos)
        << e.what();
  }
}

TEST(Plan, ZeroSizesAreUsageErrors) {
  PlanOptions o;
  o.batch_size = 0;
  EXPECT_THROW(make_plan({{1, 1}}, o), UsageError);
  o.batch_size = 1;
  o.world_size = 0;
  EXPECT_THROW(make_plan({{1, 1}}, o), UsageError);
}

TEST(Plan, EmptyInputPlansNothing) {
  EXPECT_TRUE(make_plan({}, PlanOptions{}).steps.empty());
}

TEST(Plan, SortBatchesAreSortedRuns) {
  const auto samples = random_samples(100, 1000, 3);
  PlanOptions o;
  o.method = Method::kSort;
  o.batch_size = 8;
  o.max_tokens = 1000;
  const auto mbs = epoch_micro_batches(samples, o, 0);
  // Every batch is a contiguous run of the sorted lengths: its lengths bracket no other batch's.
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  for (const auto& mb : mbs) {
    uint32_t lo = UINT32_MAX, hi = 0;
    for (const uint32_t id : mb) {
      lo = std::min(lo, samples[id].length);
      hi = std::max(hi, samples[id].length);
    }
    ranges.emplace_back(lo, hi);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) EXPECT_LE(ranges[i - 1].second, ranges[i].first);
}

TEST(Plan, NextFitKeepsDataOrder) {
  const std::vector<Sample> samples = {{60, 1}, {30, 1}, {50, 1}, {50, 1}, {10, 1}};
  EXPECT_EQ(pack_samples(samples, 100, Packer::kNextFit),
            (std::vector<MicroBatch>{{0, 1}, {2, 3}, {4}}));
  // A cap near 2^64 must not overflow the fill count: everything goes in one pack.
  for (const Packer p : {Packer::kNextFit, Packer::kFirstFitDecreasing, Packer::kBestFitDecreasing,
                         Packer::kBalanced}) {
    EXPECT_EQ(pack_samples(samples, UINT64_MAX, p).size(), 1u) << packer_name(p);
  }
  // Decreasing packers put 60 with 30 + 10 and 50 with 50.
  EXPECT_EQ(pack_samples(samples, 100, Packer::kFirstFitDecreasing),
            (std::vector<MicroBatch>{{0, 1, 4}, {2, 3}}));
  EXPECT_EQ(pack_samples(samples, 100, Packer::kBestFitDecreasing),
            (std::vector<MicroBatch>{{0, 1, 4}, {2, 3}}));
}

TEST(Plan, BestFitPicksTheFullestPackFirstFitTheFirst) {
  // 60 and 55 open two packs; 42 only fits the second (room 45 -> 3). Then 2 fits both: first
  // fit takes the first pack (room 40), best fit the fullest (room 3).
  const std::vector<Sample> samples = {{60, 1}, {55, 1}, {42, 1}, {2, 1}};
  EXPECT_EQ(pack_samples(samples, 100, Packer::kFirstFitDecreasing),
            (std::vector<MicroBatch>{{0, 3}, {1, 2}}));
  EXPECT_EQ(pack_samples(samples, 100, Packer::kBestFitDecreasing),
            (std::vector<MicroBatch>{{0}, {1, 2, 3}}));
}

}  // namespace
}  // namespace longalign::data
