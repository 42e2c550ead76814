#include "eval/needle_grid.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace longalign::eval {
namespace {

using testing::contains;
using testing::error_of;

TEST(NeedleGrid, RangesAreEvenlySpacedAndInclusive) {
  std::vector<int64_t> expected;
  for (int64_t i = 0; i < 10; ++i) expected.push_back(1024 + i * 7 * 1024);
  EXPECT_EQ(parse_length_spec("1k..64k:10"), expected);
  EXPECT_EQ(parse_length_spec("1000..2000:3"), (std::vector<int64_t>{1000, 1500, 2000}));
  EXPECT_EQ(parse_length_spec("1.5K..3k:2"), (std::vector<int64_t>{1536, 3072}));
  EXPECT_EQ(parse_length_spec("5..9:1"), (std::vector<int64_t>{5}));
  // A descending range is taken as written.
  EXPECT_EQ(parse_length_spec("300..100:3"), (std::vector<int64_t>{300, 200, 100}));

  const std::vector<double> depths = parse_depth_spec("0..100:10");
  ASSERT_EQ(depths.size(), 10u);
  EXPECT_EQ(depths.front(), 0);
  EXPECT_EQ(depths.back(), 100);
  EXPECT_DOUBLE_EQ(depths[1], 100.0 / 9);
  EXPECT_EQ(parse_depth_spec("0..100:5"), (std::vector<double>{0, 25, 50, 75, 100}));
}

TEST(NeedleGrid, CommaListsTakeTheirValues) {
  EXPECT_EQ(parse_length_spec("1k,2k,4k,3000"), (std::vector<int64_t>{1024, 2048, 4096, 3000}));
  EXPECT_EQ(parse_length_spec("700"), (std::vector<int64_t>{700}));
  EXPECT_EQ(parse_depth_spec("0,12.5,100"), (std::vector<double>{0, 12.5, 100}));
}

TEST(NeedleGrid, BadSpecsAreUsageErrors) {
  for (const char* spec : {"", "1k..", "1k..2k", "1k..2k:0", "1k..2k:2.5", "a..b:2", "1k,,2k", "0",
                           "-5", "1..2:5", "1k,1024", "3x"}) {
    const std::string message = error_of([&] { parse_length_spec(spec); });
    EXPECT_TRUE(contains(message, "--lengths \"" + std::string(spec) + "\"")) << message;
  }
  for (const char* spec : {"150", "-1", "0..101:2", "x"}) {
    EXPECT_THROW(parse_depth_spec(spec), UsageError) << spec;
  }
}

TEST(NeedleGrid, MeansSkipMissingCells) {
  GridScores s(NeedleGrid{{100, 200}, {0, 50, 100}});
  EXPECT_FALSE(s.mean());
  s.scores[0][0] = 1;
  s.scores[1][0] = 0.5;
  s.scores[2][0] = 0;
  s.scores[0][1] = 0.2;
  EXPECT_DOUBLE_EQ(*s.mean(), 1.7 / 4);
  EXPECT_DOUBLE_EQ(*s.length_mean(0), 0.5);
  EXPECT_DOUBLE_EQ(*s.length_mean(1), 0.2);
  const Json expected = {{"lengths", {100, 200}},
                         {"depths", {0.0, 50.0, 100.0}},
                         {"scores", {{1.0, 0.2}, {0.5, nullptr}, {0.0, nullptr}}},
                         {"mean", (1 + 0.2 + 0.5 + 0.0) / 4},  // summed row by row
                         {"length_means", {(1 + 0.5 + 0.0) / 3, 0.2}}};
  EXPECT_EQ(grid_json(s), expected);
}

}  // namespace
}  // namespace longalign::eval
