#include "eval/needle_heatmap.h"

#include <gtest/gtest.h>

namespace longalign::eval {
namespace {

TEST(NeedleHeatmap, ScoresRunFromRedThroughYellowToGreen) {
  EXPECT_EQ(score_color(0), "#d73027");
  EXPECT_EQ(score_color(0.5), "#fee08b");
  EXPECT_EQ(score_color(1), "#1a9850");
  // Halfway from red to yellow: (215+254)/2, (48+224)/2, (39+139)/2, rounded.
  EXPECT_EQ(score_color(0.25), "#eb8859");
  EXPECT_EQ(score_color(-1), "#d73027");
  EXPECT_EQ(score_color(7), "#1a9850");
}

TEST(NeedleHeatmap, LengthLabels) {
  EXPECT_EQ(length_label(1024), "1k");
  EXPECT_EQ(length_label(65536), "64k");
  EXPECT_EQ(length_label(1536), "1.5k");
  EXPECT_EQ(length_label(500), "500");
}

TEST(NeedleHeatmap, MissingCellsAreGrey) {
  GridScores s(NeedleGrid{{1024}, {0, 100}});
  s.scores[0][0] = 1;
  const std::string svg = needle_heatmap_svg(s, "m");
  EXPECT_NE(svg.find("fill=\"#d9d9d9\"><title>1k tokens, depth 100%: no result</title>"),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find("fill=\"#1a9850\"><title>1k tokens, depth 0%: 1.00</title>"),
            std::string::npos);
  EXPECT_NE(svg.find("mean score 1.000"), std::string::npos);
}

}  // namespace
}  // namespace longalign::eval
