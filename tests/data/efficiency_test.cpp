// Pack fill on the LongAlign-like mix (80k short lognormal sequences with median ~800 tokens plus
// 10k uniform in 8k-64k, packs of 64k): the decreasing and balanced packers fill over 99.5%,
// LongAlign's next-fit about 80%.
#include <gtest/gtest.h>

#include "data/plan.h"
#include "data/plan_report.h"
#include "data/synthetic_lengths.h"

namespace longalign::data {
namespace {

double efficiency(const std::vector<Sample>& samples, Method method, Packer packer) {
  PlanOptions o;
  o.method = method;
  o.packer = packer;
  o.max_tokens = 65536;
  o.batch_size = 8;
  o.world_size = 8;
  return plan_stats(make_plan(samples, o), samples, std::nullopt).efficiency;
}

TEST(Efficiency, LongAlignMixFull) {
  const auto samples = synthetic_lengths(LengthMix{}, 1);
  ASSERT_EQ(samples.size(), 90000u);
  EXPECT_GE(efficiency(samples, Method::kPack, Packer::kFirstFitDecreasing), 0.995);
  EXPECT_GE(efficiency(samples, Method::kPack, Packer::kBestFitDecreasing), 0.995);
  EXPECT_GE(efficiency(samples, Method::kPack, Packer::kBalanced), 0.995);
  const double next_fit = efficiency(samples, Method::kPack, Packer::kNextFit);
  EXPECT_GT(next_fit, 0.70);
  EXPECT_LT(next_fit, 0.90);
  // Padding to the longest member wastes most of a random batch on this mix; sorting less.
  const double sorted = efficiency(samples, Method::kSort, Packer::kNextFit);
  const double naive = efficiency(samples, Method::kNaive, Packer::kNextFit);
  EXPECT_GT(sorted, naive);
}

}  // namespace
}  // namespace longalign::data
