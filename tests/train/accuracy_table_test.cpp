// Accuracy by task and length against counts made by hand.
#include "train/accuracy_table.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace longalign::train {
namespace {

// passkey: 256 -> 2 of 3, 1024 -> 1 of 1; kv: 1024 -> 0 of 2; vartrack: 256 -> 1 of 1.
std::vector<ScoredAnswer> answers() {
  return {{"passkey", 1024, true}, {"passkey", 256, true},  {"kv", 1024, false},
          {"passkey", 256, false}, {"vartrack", 256, true}, {"passkey", 256, true},
          {"kv", 1024, false}};
}

TEST(AccuracyTable, CountsPerTaskPerLengthAndTotals) {
  const AccuracyTable t = tabulate_accuracy(answers());
  ASSERT_EQ(t.tasks, (std::vector<std::string>{"passkey", "kv", "vartrack"}));
  ASSERT_EQ(t.lengths, (std::vector<int64_t>{256, 1024}));
  const auto expect = [](const AccuracyCell& c, int64_t correct, int64_t total) {
    EXPECT_EQ(c.correct, correct);
    EXPECT_EQ(c.total, total);
  };
  expect(t.cells[0][0], 2, 3);
  expect(t.cells[0][1], 1, 1);
  expect(t.cells[1][0], 0, 0);
  expect(t.cells[1][1], 0, 2);
  expect(t.cells[2][0], 1, 1);
  expect(t.cells[2][1], 0, 0);
  expect(t.task_totals[0], 3, 4);
  expect(t.task_totals[1], 0, 2);
  expect(t.task_totals[2], 1, 1);
  expect(t.length_totals[0], 3, 4);
  expect(t.length_totals[1], 1, 3);
  expect(t.total, 4, 7);
  EXPECT_DOUBLE_EQ(t.cells[0][0].rate(), 2.0 / 3.0);
  EXPECT_EQ(t.cells[1][0].rate(), 0.0);
}

TEST(AccuracyTable, TextShowsEveryCellAndDashesForEmptyOnes) {
  const std::string text = accuracy_table_text(tabulate_accuracy(answers()));
  EXPECT_EQ(text,
            "task \\ tokens              256            1024             all\n"
            "passkey              2/3 (67%)      1/1 (100%)       3/4 (75%)\n"
            "kv                           -        0/2 (0%)        0/2 (0%)\n"
            "vartrack            1/1 (100%)               -      1/1 (100%)\n"
            "all                  3/4 (75%)       1/3 (33%)       4/7 (57%)\n");
}

TEST(AccuracyTable, JsonHoldsTheCounts) {
  const Json j = accuracy_table_json(tabulate_accuracy(answers()));
  EXPECT_EQ(j["tasks"]["passkey"]["256"]["correct"], 2);
  EXPECT_EQ(j["tasks"]["passkey"]["256"]["total"], 3);
  EXPECT_FALSE(j["tasks"]["kv"].contains("256"));
  EXPECT_EQ(j["tasks"]["vartrack"]["all"]["total"], 1);
  EXPECT_EQ(j["all"]["correct"], 4);
  EXPECT_EQ(j["all"]["total"], 7);
}

TEST(AccuracyTable, NoAnswersGiveAnEmptyTable) {
  const AccuracyTable t = tabulate_accuracy({});
  EXPECT_TRUE(t.tasks.empty());
  EXPECT_EQ(t.total.total, 0);
  EXPECT_TRUE(testing::contains(accuracy_table_text(t), "all"));
}

}  // namespace
}  // namespace longalign::train
