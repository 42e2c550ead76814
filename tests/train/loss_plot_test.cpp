#include "train/loss_plot.h"

#include <gtest/gtest.h>

#include <functional>
#include <regex>

#include "core/error.h"
#include "test_support.h"

namespace longalign::train {
namespace {

using testing::contains;
using testing::TempDir;

// Three training steps, an evaluation, a step without grad_norm, a blank line, and a last line cut
// short by a killed run.
const char* kRun =
    R"({"step": 1, "epoch": 0, "loss": 2.5, "lr": 0.0001, "grad_norm": 1.5, "tokens": 100, "seconds": 0.5}
{"step": 2, "epoch": 0, "loss": 2.0, "lr": 0.0002, "tokens": 120, "seconds": 0.25}
{"step": 2, "eval_loss": 2.25, "eval_samples": 8}
{"step": 3, "epoch": 1, "loss": 1.5, "lr": 0.0002, "grad_norm": 0.5, "tokens": 80, "seconds": 0.75}

{"step": 4, "epoch": 1, "loss": 1.25, "lr": 0.0001, "grad_n)";

using testing::error_of;

// The points="x,y x,y ..." of every polyline, in document order.
std::vector<std::vector<std::pair<double, double>>> polylines(const std::string& svg) {
  std::vector<std::vector<std::pair<double, double>>> lines;
  const std::regex polyline("<polyline[^>]* points=\"([^\"]*)\"");
  const std::regex point("([-0-9.e+]+),([-0-9.e+]+)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), polyline);
       it != std::sregex_iterator(); ++it) {
    const std::string points = (*it)[1];
    auto& line = lines.emplace_back();
    for (auto p = std::sregex_iterator(points.begin(), points.end(), point);
         p != std::sregex_iterator(); ++p) {
      line.emplace_back(std::stod((*p)[1]), std::stod((*p)[2]));
    }
  }
  return lines;
}

TEST(LossPlot, ReadsLossByStepAndSkipsTheTruncatedLastLine) {
  TempDir dir;
  const auto file = dir.write("run1/metrics.jsonl", kRun);
  std::vector<std::string> warnings;
  const MetricCurve c = read_metric_curve(file, "loss", "step", warnings);
  EXPECT_EQ(c.label, "run1");
  EXPECT_EQ(c.x, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(c.y, (std::vector<double>{2.5, 2.0, 1.5}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(contains(warnings[0], "metrics.jsonl:6: skipped a truncated last line"))
      << warnings[0];
}

TEST(LossPlot, RowsWithoutTheMetricAreSkipped) {
  TempDir dir;
  const auto file = dir.write("run1/metrics.jsonl", kRun);
  std::vector<std::string> warnings;
  const MetricCurve grad = read_metric_curve(file, "grad_norm", "step", warnings);
  EXPECT_EQ(grad.x, (std::vector<double>{1, 3}));
  EXPECT_EQ(grad.y, (std::vector<double>{1.5, 0.5}));
  const MetricCurve eval = read_metric_curve(file, "eval_loss", "step", warnings);
  EXPECT_EQ(eval.x, (std::vector<double>{2}));
  EXPECT_EQ(eval.y, (std::vector<double>{2.25}));
}

TEST(LossPlot, TokensAndSecondsAreTotalsOverTheStepsSoFar) {
  TempDir dir;
  const auto file = dir.write("run1/metrics.jsonl", kRun);
  std::vector<std::string> warnings;
  EXPECT_EQ(read_metric_curve(file, "loss", "tokens", warnings).x,
            (std::vector<double>{100, 220, 300}));
  EXPECT_EQ(read_metric_curve(file, "loss", "seconds", warnings).x,
            (std::vector<double>{0.5, 0.75, 1.5}));
  // The evaluation after step 2 sits where step 2 ended.
  EXPECT_EQ(read_metric_curve(file, "eval_loss", "tokens", warnings).x, (std::vector<double>{220}));
}

TEST(LossPlot, MovingAverageOverTheLastPoints) {
  const std::vector<double> v{1, 2, 3, 4, 10};
  EXPECT_EQ(moving_average(v, 1), v);
  EXPECT_EQ(moving_average(v, 2), (std::vector<double>{1, 1.5, 2.5, 3.5, 7}));
  EXPECT_EQ(moving_average(v, 3), (std::vector<double>{1, 1.5, 2, 3, 17.0 / 3}));
}

TEST(LossPlot, RunLabels) {
  EXPECT_EQ(run_label("out/packed/metrics.jsonl"), "packed");
  EXPECT_EQ(run_label("out/packed/./metrics.jsonl"), "packed");
  EXPECT_EQ(run_label("logs/naive-run.jsonl"), "naive-run");
}

TEST(LossPlot, SvgHasOneLinePerRunWithItsPoints) {
  TempDir dir;
  const auto a = dir.write("packed/metrics.jsonl", kRun);
  const auto b = dir.write("naive/metrics.jsonl", R"({"step": 1, "loss": 3.0}
{"step": 2, "loss": 2.0}
{"step": 3, "loss": 1.0}
{"step": 4, "loss": 0.5}
)");
  const auto svg_file = dir.path() / "loss.svg";
  const LossPlotReport report = write_loss_plot({a, b}, {}, {}, svg_file);
  EXPECT_EQ(report.warnings.size(), 1u);  // a's truncated line
  const std::string svg = testing::read_text_file(svg_file);
  const auto lines = polylines(svg);
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_EQ(lines[0].size(), 3u);
  ASSERT_EQ(lines[1].size(), 4u);
  // Steps 1..4 fill the x axis exactly (ticks every 0.5), from the 80 px left margin to 780 px.
  EXPECT_DOUBLE_EQ(lines[1].front().first, 80);
  EXPECT_DOUBLE_EQ(lines[1].back().first, 780);
  // Falling loss: each point lower on the page, that is a larger y.
  for (size_t i = 1; i < lines[1].size(); ++i)
    EXPECT_GT(lines[1][i].second, lines[1][i - 1].second);
  EXPECT_TRUE(contains(svg, ">step</text>"));
  EXPECT_TRUE(contains(svg, ">loss</text>"));
  EXPECT_TRUE(contains(svg, ">packed</text>"));
  EXPECT_TRUE(contains(svg, ">naive</text>"));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_FALSE(contains(entry.path().filename().string(), ".tmp")) << entry.path();
  }
}

TEST(LossPlot, LabelsAndSmoothingAppearInTheChart) {
  TempDir dir;
  const auto a = dir.write("a.jsonl", kRun);
  LossPlotOptions options;
  options.smooth = 2;
  options.x_field = "tokens";
  write_loss_plot({a}, {"sorted batching"}, options, dir.path() / "loss.svg");
  const std::string svg = testing::read_text_file(dir.path() / "loss.svg");
  EXPECT_TRUE(contains(svg, ">sorted batching</text>"));
  EXPECT_TRUE(contains(svg, ">loss (moving average of 2)</text>"));
  EXPECT_TRUE(contains(svg, ">tokens trained on</text>"));
  EXPECT_EQ(polylines(svg).at(0).size(), 3u);
}

TEST(LossPlot, RunWithoutTheMetricIsLeftOutWithAWarning) {
  TempDir dir;
  const auto a = dir.write("a/metrics.jsonl", kRun);
  const auto b = dir.write("b/metrics.jsonl", "{\"step\": 1, \"loss\": 2.0}\n");
  LossPlotOptions options;
  options.metric = "eval_loss";
  const LossPlotReport report = write_loss_plot({a, b}, {}, options, dir.path() / "eval.svg");
  ASSERT_EQ(report.warnings.size(), 2u);
  EXPECT_TRUE(contains(report.warnings[1], "b/metrics.jsonl: no \"eval_loss\" values"));
  const std::string svg = testing::read_text_file(dir.path() / "eval.svg");
  EXPECT_EQ(polylines(svg).size(), 1u);
  EXPECT_TRUE(contains(svg, "<circle"));  // a single evaluation is a dot
}

TEST(LossPlot, MalformedMiddleLineIsAnError) {
  TempDir dir;
  const auto file = dir.write("run/metrics.jsonl",
                              "{\"step\": 1, \"loss\": 2.0}\n"
                              "{\"step\": 2, \"loss\": }\n"
                              "{\"step\": 3, \"loss\": 1.0}\n");
  std::vector<std::string> warnings;
  const std::string error = error_of([&] { read_metric_curve(file, "loss", "step", warnings); });
  EXPECT_TRUE(contains(error, "metrics.jsonl:2: malformed JSON")) << error;
}

TEST(LossPlot, ATruncatedLineFollowedByMoreIsAnError) {
  TempDir dir;
  const auto file = dir.write("m.jsonl", "{\"step\": 1, \"loss\": 2.0}\n{\"step\": 2, \"lo\n\n");
  std::vector<std::string> warnings;
  const std::string error = error_of([&] { read_metric_curve(file, "loss", "step", warnings); });
  EXPECT_TRUE(contains(error, "m.jsonl:2: malformed JSON")) << error;
}

TEST(LossPlot, WrongTypesAreErrorsNamingTheField) {
  TempDir dir;
  std::vector<std::string> warnings;
  const auto text = dir.write("t.jsonl", "{\"step\": 1, \"loss\": \"2.0\"}\n");
  EXPECT_TRUE(contains(error_of([&] { read_metric_curve(text, "loss", "step", warnings); }),
                       "t.jsonl:1: field \"loss\" must be a number"));
  const auto array = dir.write("u.jsonl", "{\"step\": 1, \"loss\": 2.0}\n[1, 2]\n");
  EXPECT_TRUE(contains(error_of([&] { read_metric_curve(array, "loss", "step", warnings); }),
                       "u.jsonl:2: expected a JSON object"));
}

TEST(LossPlot, UnknownMetricIsAnErrorNamingIt) {
  TempDir dir;
  const auto a = dir.write("a/metrics.jsonl", kRun);
  LossPlotOptions options;
  options.metric = "los";
  const auto out = dir.path() / "loss.svg";
  const std::string error = error_of([&] { write_loss_plot({a}, {}, options, out); });
  EXPECT_TRUE(contains(error, "no row has a \"los\" value")) << error;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(LossPlot, BadOptionsAreUsageErrors) {
  TempDir dir;
  const auto a = dir.write("a/metrics.jsonl", kRun);
  const auto out = dir.path() / "loss.svg";
  LossPlotOptions x;
  x.x_field = "epoch";
  EXPECT_THROW(write_loss_plot({a}, {}, x, out), UsageError);
  LossPlotOptions smooth;
  smooth.smooth = 0;
  EXPECT_THROW(write_loss_plot({a}, {}, smooth, out), UsageError);
  EXPECT_THROW(write_loss_plot({a}, {"one", "two"}, {}, out), UsageError);
}

}  // namespace
}  // namespace longalign::train
