// longalign plot: the curves of one or several training runs, from their metrics JSONL, as an SVG.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "train/loss_plot.h"

namespace longalign::cli {
namespace {

struct PlotArgs {
  std::vector<std::string> files, labels;
  std::string output;
  train::LossPlotOptions options;
};

void run_plot(const PlotArgs& a) {
  const std::vector<std::filesystem::path> files(a.files.begin(), a.files.end());
  const train::LossPlotReport report = train::write_loss_plot(files, a.labels, a.options, a.output);
  for (const std::string& w : report.warnings) std::cerr << "warning: " << w << "\n";
  size_t runs = 0, points = 0;
  for (const train::MetricCurve& c : report.curves) {
    runs += c.y.empty() ? 0 : 1;
    points += c.y.size();
  }
  std::cerr << "wrote " << a.output << ": " << a.options.metric << " of " << runs << " run"
            << (runs == 1 ? "" : "s") << ", " << points << " points\n";
}

}  // namespace

void add_plot_command(CLI::App& app) {
  auto args = std::make_shared<PlotArgs>();
  CLI::App* cmd = app.add_subcommand(
      "plot", "Draw the loss curves (or any metric) of one or several runs as an SVG");
  cmd->add_option("metrics", args->files, "metrics.jsonl of each run")->required();
  cmd->add_option("-o,--output", args->output, "SVG file to write")->required();
  cmd->add_option("--metric", args->options.metric,
                  "Field to plot: loss (default), eval_loss, lr, grad_norm or any numeric field");
  cmd->add_option("--x", args->options.x_field,
                  "x axis: step (default), tokens or seconds (totals over the steps so far)");
  cmd->add_option("--smooth", args->options.smooth,
                  "Moving average over this many points (default 1: none)");
  cmd->add_option("--label", args->labels,
                  "Legend name of each run, in file order (default: the run folder or file stem)");
  cmd->callback([args] { run_plot(*args); });
}

}  // namespace longalign::cli
