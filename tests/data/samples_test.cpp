// The lengths file, the synthetic mix, the report and its SVG.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "core/svg.h"
#include "data/plan_report.h"
#include "data/samples.h"
#include "data/synthetic_lengths.h"
#include "test_support.h"

namespace longalign::data {
namespace {

using testing::contains;
using testing::TempDir;

std::string error_of(std::string_view text) {
  try {
    parse_lengths(text, "lengths.txt");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Lengths, ParsesLengthsAndTargets) {
  const auto s = parse_lengths("12\n\n  30 7 \r\n5\t5\n", "x");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].length, 12u);
  EXPECT_EQ(s[0].targets, 12u);  // a bare length is all targets
  EXPECT_EQ(s[1].length, 30u);
  EXPECT_EQ(s[1].targets, 7u);
  EXPECT_EQ(s[2].targets, 5u);
}

TEST(Lengths, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(error_of("10\n\nabc\n"),
            "lengths.txt:3: length \"abc\" is not a non-negative integer below 2^32");
  EXPECT_EQ(error_of("10 -1"),
            "lengths.txt:1: target_count \"-1\" is not a non-negative integer below 2^32");
  EXPECT_EQ(error_of("1 2 3"), "lengths.txt:1: expected \"length\" or \"length target_count\"");
  EXPECT_EQ(error_of("4\n0\n"), "lengths.txt:2: length 0; every sample needs at least one token");
  EXPECT_EQ(error_of("4 9"), "lengths.txt:1: target_count 9 exceeds length 4");
  EXPECT_EQ(error_of("99999999999"),
            "lengths.txt:1: length \"99999999999\" is not a non-negative integer below 2^32");
  EXPECT_EQ(error_of("12x"),
            "lengths.txt:1: length \"12x\" is not a non-negative integer below 2^32");
}

TEST(Lengths, FileSourceReadsTheFile) {
  TempDir dir;
  const LengthsFile source(dir.write("l.txt", "3\n4 2\n"));
  EXPECT_EQ(source.samples().size(), 2u);
  EXPECT_TRUE(contains(source.name(), "l.txt"));
  EXPECT_THROW(LengthsFile(dir.path() / "missing").samples(), Error);
}

TEST(SyntheticLengths, ShapeOfTheMix) {
  LengthMix mix;
  mix.short_count = 20000;
  mix.long_count = 2000;
  const auto s = synthetic_lengths(mix, 5);
  ASSERT_EQ(s.size(), 22000u);
  std::vector<uint32_t> lengths;
  size_t long_ones = 0;
  for (const auto& x : s) {
    EXPECT_GE(x.length, 16u);
    EXPECT_LE(x.length, 65536u);
    EXPECT_GE(x.targets, 1u);
    EXPECT_LE(x.targets, x.length);
    lengths.push_back(x.length);
    long_ones += x.length >= 8192;
  }
  EXPECT_GE(long_ones, 2000u);
  std::nth_element(lengths.begin(), lengths.begin() + 11000, lengths.end());
  EXPECT_GT(lengths[11000], 700u);  // the median: short ones dominate
  EXPECT_LT(lengths[11000], 1000u);
  const auto again = synthetic_lengths(mix, 5);
  EXPECT_TRUE(std::equal(s.begin(), s.end(), again.begin(), [](const Sample& a, const Sample& b) {
    return a.length == b.length && a.targets == b.targets;
  }));
}

TEST(Report, FiguresAndFlops) {
  const std::vector<Sample> samples = {{600, 1}, {400, 1}, {300, 1}, {100, 1}};
  PlanOptions o;
  o.max_tokens = 1000;
  o.batch_size = 2;
  const auto stats = plan_stats(make_plan(samples, o), samples, std::nullopt);
  EXPECT_EQ(stats.micro_batches, 2u);
  EXPECT_EQ(stats.real_tokens, 1400u);
  EXPECT_EQ(stats.computed_tokens, 2000u);
  EXPECT_DOUBLE_EQ(stats.efficiency, 0.7);

  o.method = Method::kSort;  // batches {100, 300} and {400, 600}: 2·300 + 2·600 computed
  ModelConfig m{8, 2, 16, 10, 2};
  const auto sorted = plan_stats(make_plan(samples, o), samples, m);
  EXPECT_EQ(sorted.computed_tokens, 1800u);
  const double params = 2 * (4 * 64 + 3 * 8 * 16) + 10 * 8;
  const double attention = 2.0 * 300 * 300 + 2.0 * 600 * 600;
  EXPECT_DOUBLE_EQ(sorted.flops_per_epoch, 6 * params * 1800 + 6 * 2 * 8 * attention);

  const auto all = compare_methods(samples, o, m);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[0].label, "pack-balanced");
  EXPECT_EQ(all[5].label, "naive");
  const std::string text = report_text(stats, all);
  EXPECT_TRUE(contains(text, "pack-next-fit")) << text;
  EXPECT_TRUE(contains(text, "70.00%")) << text;
  const Json j = report_json(stats, all);
  EXPECT_EQ(j["methods"].size(), 6u);
  EXPECT_TRUE(j["plan"]["flops_per_epoch"].is_null());
}

TEST(Report, ModelConfigErrorsNameTheField) {
  TempDir dir;
  const auto file = dir.write("config.json", R"({"hidden_size": 8, "num_hidden_layers": "x"})");
  try {
    read_model_config(file);
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "\"num_hidden_layers\" must be a positive integer")) << e.what();
  }
}

TEST(Svg, BarChartHasBarsLabelsAndEscapes) {
  BarChart chart;
  chart.title = "fill <pack & batch>";
  chart.labels = {"0", "50"};
  chart.values = {3, 7};
  const std::string svg = bar_chart_svg(chart);
  EXPECT_TRUE(contains(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_TRUE(contains(svg, "fill &lt;pack &amp; batch&gt;"));
  EXPECT_TRUE(contains(svg, "</svg>"));
  size_t bars = 0;
  for (size_t at = svg.find("fill=\"#4878a8\""); at != std::string::npos;
       at = svg.find("fill=\"#4878a8\"", at + 1)) {
    ++bars;
  }
  EXPECT_EQ(bars, 2u);
  EXPECT_TRUE(contains(svg, ">50</text>"));
}

}  // namespace
}  // namespace longalign::data
