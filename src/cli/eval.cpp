// longalign eval: model evaluation. `eval metrics` scores a predictions file with one of
// LongBench's automatic metrics (docs/EVAL.md).
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/file_io.h"
#include "eval/metrics.h"

namespace longalign::cli {
namespace {

struct MetricsArgs {
  std::string predictions, metric, output;
  eval::MetricsOptions options;
  bool json = false;
};

void run_metrics(MetricsArgs a) {
  a.options.metric = eval::metric_from_name(a.metric);
  const eval::MetricsReport report = eval::evaluate_predictions(a.predictions, a.options);
  const std::string text =
      a.json ? eval::metrics_json(report).dump(2) + "\n" : eval::metrics_table(report);
  if (a.output.empty()) {
    std::cout << text;
  } else {
    write_file_atomic(a.output, text);
    std::cerr << "wrote " << a.output << "\n";
  }
}

void add_metrics_command(CLI::App& eval) {
  auto args = std::make_shared<MetricsArgs>();
  std::string names;
  for (const std::string& n : eval::metric_names())
    names.append(names.empty() ? "" : "|").append(n);
  CLI::App* cmd = eval.add_subcommand(
      "metrics", "Score a predictions JSONL with one of LongBench's automatic metrics");
  cmd->add_option("--predictions", args->predictions,
                  "JSONL, one record per sample: prediction, reference answers, optional length")
      ->required();
  cmd->add_option("--metric", args->metric, names)->required();
  cmd->add_option("--field-pred", args->options.fields.pred, "Field of the prediction (pred)");
  cmd->add_option("--field-answers", args->options.fields.answers,
                  "Field of the reference answers, a string or an array (answers)");
  cmd->add_option("--field-length", args->options.fields.length,
                  "Field of the context length; with it, 0-4k/4-8k/8k+ scores too (length)");
  cmd->add_option("--field-classes", args->options.fields.classes,
                  "Field of the class labels, for the classification metric (all_classes)");
  cmd->add_flag("--first-line", args->options.first_line,
                "Score only the first line of each prediction (LongBench's few-shot tasks)");
  cmd->add_flag("--json", args->json, "Print a JSON summary instead of a table");
  cmd->add_option("-o,--output", args->output, "Write the summary here (atomically), not stdout");
  cmd->callback([args] { run_metrics(*args); });
}

}  // namespace

void add_eval_command(CLI::App& app) {
  CLI::App* eval = app.add_subcommand("eval", "Evaluate models: automatic metrics");
  eval->require_subcommand(1);
  add_metrics_command(*eval);
}

}  // namespace longalign::cli
