// Training curves from metrics JSONL files: one run's values of a metric against steps, tokens or
// seconds, smoothed if asked, several runs drawn in one SVG line chart.
//
// The trainer appends one object per optimizer step: {"step", "loss", "lr", "grad_norm", "tokens",
// "seconds", ...}, where tokens and seconds are that step's; evaluation rows hold {"step",
// "eval_loss"}. Any numeric field can be plotted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace longalign::train {

// One run's points, in the order the run logged them.
struct MetricCurve {
  std::string label;
  std::vector<double> x, y;
  int64_t rows_without_x = 0;  // rows with the metric before any step is known, not drawn
};

// Reads the points of one metrics file: x is the step, or the tokens or seconds of all steps so
// far (x_field "step", "tokens" or "seconds"; anything else is a UsageError), y the metric. Rows
// without the metric are skipped (evaluation rows among training rows, and the reverse); an
// evaluation row takes the position of the training rows before it. Malformed lines throw
// Error("file:line: why"), except a truncated last line, the trace of a run killed mid-write,
// which is skipped with a message appended to `warnings`.
MetricCurve read_metric_curve(const std::filesystem::path& file, const std::string& metric,
                              const std::string& x_field, std::vector<std::string>& warnings);

// The legend name of a run: its folder for a file named metrics.jsonl (what the trainer writes),
// the file's stem otherwise.
std::string run_label(const std::filesystem::path& file);

// values[i] replaced by the mean of values[i - window + 1 .. i] (fewer at the start); window 1
// leaves them as they are.
std::vector<double> moving_average(const std::vector<double>& values, int window);

struct LossPlotOptions {
  std::string metric = "loss";
  std::string x_field = "step";  // "step", "tokens" or "seconds"
  int smooth = 1;                // moving-average window in points
};

// The chart of `curves`, smoothed as `options` says, with the metric and x field on the axes.
std::string loss_plot_svg(const std::vector<MetricCurve>& curves, const LossPlotOptions& options);

struct LossPlotReport {
  std::vector<MetricCurve> curves;    // as read, before smoothing
  std::vector<std::string> warnings;  // truncated last lines, runs without the metric
};

// Reads every file, draws them in one chart and writes it to `output` atomically. `labels` is
// empty (each run named by run_label) or names every file. Throws Error when no file has the
// metric, UsageError for bad options.
LossPlotReport write_loss_plot(const std::vector<std::filesystem::path>& files,
                               const std::vector<std::string>& labels,
                               const LossPlotOptions& options, const std::filesystem::path& output);

}  // namespace longalign::train
