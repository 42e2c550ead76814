#include "eval/classification.h"

#include <gtest/gtest.h>

namespace longalign::eval {
namespace {

TEST(EvalClassification, OneOverTheLabelsMentioned) {
  const std::vector<std::string> classes = {"Location", "Description", "Entity"};
  EXPECT_DOUBLE_EQ(classification_score("Type: Location", "Location", classes), 1.0);
  EXPECT_DOUBLE_EQ(classification_score("Location or Entity", "Location", classes), 0.5);
  EXPECT_DOUBLE_EQ(classification_score("Entity", "Location", classes), 0.0);
  EXPECT_DOUBLE_EQ(classification_score("no idea", "Location", classes), 0.0);
}

TEST(EvalClassification, LabelsInsideTheRightOneAreDropped) {
  // "Sport" is part of "Sports news": mentioning the right label does not also count it.
  EXPECT_DOUBLE_EQ(classification_score("Sports news", "Sports news", {"Sport", "Sports news"}),
                   1.0);
}

TEST(EvalClassification, KeepsLongBenchsSkipAfterARemoval) {
  // Matches [A, B, AB] for the label AB: "A" is removed, and LongBench's loop then skips "B"
  // (it removes while iterating), so [B, AB] remain and the score is 1/2.
  EXPECT_DOUBLE_EQ(classification_score("AB", "AB", {"A", "B", "AB"}), 0.5);
}

}  // namespace
}  // namespace longalign::eval
