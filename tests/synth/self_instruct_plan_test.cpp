// Which samples self-instruct makes: the seeded draws and the documents left out.
#include <gtest/gtest.h>

#include <set>

#include "synth/self_instruct_plan.h"
#include "test_support.h"

namespace longalign::synth {
namespace {

const std::vector<TaskType> kAll = {TaskType::kGeneral, TaskType::kSummary, TaskType::kReasoning,
                                    TaskType::kExtraction};

TEST(SelfInstructPlan, TaskTypesAreSeededPerDocumentAndCoverAllTypes) {
  std::set<TaskType> seen;
  int changed_by_seed = 0;
  for (uint64_t h = 0; h < 200; ++h) {
    const TaskType first = draw_task_type(h * 7919, 1, kAll, 0);
    EXPECT_EQ(first, draw_task_type(h * 7919, 1, kAll, 0));
    EXPECT_NE(first, draw_task_type(h * 7919, 1, kAll, 1)) << "an upsampled sample's type differs";
    changed_by_seed += first != draw_task_type(h * 7919, 2, kAll, 0);
    seen.insert(first);
  }
  EXPECT_EQ(seen.size(), kAll.size());
  EXPECT_GT(changed_by_seed, 100);
  EXPECT_EQ(draw_task_type(5, 1, {TaskType::kReasoning}, 0), TaskType::kReasoning);
}

TEST(SelfInstructPlan, QuestionAndRequestSeeds) {
  std::set<size_t> picks;
  for (uint64_t h = 0; h < 100; ++h) {
    const size_t q = draw_question(h, 3, TaskType::kGeneral, 5);
    EXPECT_LT(q, 5u);
    EXPECT_EQ(q, draw_question(h, 3, TaskType::kGeneral, 5));
    picks.insert(q);
  }
  EXPECT_EQ(picks.size(), 5u);
  const int64_t s0 = request_seed(9, 3, TaskType::kSummary, 0);
  EXPECT_GE(s0, 0);
  EXPECT_LE(s0, 0x7fffffff);
  EXPECT_NE(s0, request_seed(9, 3, TaskType::kSummary, 1));
  EXPECT_NE(s0, request_seed(9, 3, TaskType::kSummary, -1));
  EXPECT_NE(s0, request_seed(9, 3, TaskType::kGeneral, 0));
}

TEST(SelfInstructPlan, LengthsRepeatsUpsamplingAndDone) {
  const std::vector<Document> docs = {{"short", "a", "a"},         {"fits", "b", "b"},
                                      {"fits", "c", "c"},          {"long one", "d", "d"},
                                      {"much too long", "e", "e"}, {"中文的文档", "f", "f"}};
  const std::vector<int64_t> lengths = {5, 10, 10, 30, 100, 12};
  PlanOptions o;
  o.types = kAll;
  o.min_tokens = 10;
  o.max_tokens = 50;
  o.upsample_above = 20;
  o.seed = 4;
  const SelfInstructPlan plan = plan_samples(docs, lengths, o, {});
  EXPECT_EQ(plan.too_short, 1);
  EXPECT_EQ(plan.too_long, 1);
  EXPECT_EQ(plan.repeated, 1);
  ASSERT_EQ(plan.jobs.size(), 4u);  // "fits", "long one" twice, the Chinese one
  EXPECT_EQ(plan.jobs[0].document, 1u);
  EXPECT_EQ(plan.jobs[0].hash, document_hash_hex(document_hash("fits")));
  EXPECT_EQ(plan.jobs[1].document, 3u);
  EXPECT_EQ(plan.jobs[2].document, 3u);
  EXPECT_NE(plan.jobs[1].type, plan.jobs[2].type);
  EXPECT_EQ(plan.jobs[1].tokens, 30);
  EXPECT_EQ(plan.jobs[3].language, Language::kChinese);
  EXPECT_EQ(plan.jobs[0].language, Language::kEnglish);

  // Samples already made are left out, and the others are drawn as before.
  const std::set<SampleKey> done = {{plan.jobs[1].hash, plan.jobs[1].type}};
  const SelfInstructPlan rest = plan_samples(docs, lengths, o, done);
  EXPECT_EQ(rest.already_done, 1);
  ASSERT_EQ(rest.jobs.size(), 3u);
  EXPECT_EQ(rest.jobs[1].type, plan.jobs[2].type);

  o.types = {TaskType::kGeneral};
  EXPECT_TRUE(testing::contains(testing::error_of([&] { plan_samples(docs, lengths, o, {}); }),
                                "at least two --types"));
}

}  // namespace
}  // namespace longalign::synth
