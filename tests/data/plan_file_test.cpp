// The plan file round-trips, and a damaged one is refused with a message that says where.
#include <gtest/gtest.h>

#include "core/error.h"
#include "data/plan_file.h"
#include "test_support.h"

namespace longalign::data {
namespace {

using testing::TempDir;

Plan small_plan() {
  std::vector<Sample> samples;
  for (uint32_t i = 0; i < 50; ++i) samples.push_back({10 + i * 37 % 400, 5});
  PlanOptions o;
  o.method = Method::kPack;
  o.packer = Packer::kFirstFitDecreasing;
  o.max_tokens = 1000;
  o.world_size = 2;
  o.grad_accum = 2;
  o.seed = 9;
  o.epochs = 2;
  return make_plan(samples, o);
}

std::string error_of(const Json& j) {
  try {
    plan_from_json(j, "plan.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(PlanFile, RoundTrips) {
  TempDir dir;
  const Plan plan = small_plan();
  save_plan(plan, dir.path() / "plan.json");
  const Plan back = load_plan(dir.path() / "plan.json");
  EXPECT_EQ(back.sample_count, 50u);
  EXPECT_EQ(back.options.packer, Packer::kFirstFitDecreasing);
  EXPECT_EQ(back.options.world_size, 2u);
  EXPECT_EQ(back.options.epochs, 2u);
  EXPECT_EQ(back.options.seed, 9u);
  ASSERT_EQ(back.steps.size(), plan.steps.size());
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    EXPECT_EQ(back.steps[i].ranks, plan.steps[i].ranks);
    EXPECT_EQ(back.steps[i].k, plan.steps[i].k);
    EXPECT_EQ(back.steps[i].m, plan.steps[i].m);
    EXPECT_EQ(back.steps[i].epoch, plan.steps[i].epoch);
  }
}

TEST(PlanFile, DamageIsReportedWithItsPlace) {
  const Json good = plan_to_json(small_plan());
  EXPECT_EQ(error_of(good), "");

  Json j = good;
  j["steps"][0]["K"] = 99;
  EXPECT_NE(error_of(j).find("steps[0]: K=99"), std::string::npos) << error_of(j);

  j = good;
  j["steps"][1]["ranks"][0][0][0] = 50;
  EXPECT_NE(error_of(j).find("steps[1].ranks[0][0]: 50 is not a sample id below 50"),
            std::string::npos)
      << error_of(j);

  j = good;
  j["header"]["method"] = "zigzag";
  EXPECT_NE(error_of(j).find("unknown method \"zigzag\""), std::string::npos) << error_of(j);

  j = good;
  j["header"].erase("seed");
  EXPECT_NE(error_of(j).find("missing field \"seed\""), std::string::npos) << error_of(j);

  j = good;
  j["steps"][0]["ranks"].erase(1);
  EXPECT_NE(error_of(j).find("must be an array of 2 ranks"), std::string::npos) << error_of(j);
}

TEST(PlanFile, NotJsonNamesTheFile) {
  TempDir dir;
  const auto file = dir.write("plan.json", "{\"header\": ");
  try {
    load_plan(file);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("plan.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace longalign::data
