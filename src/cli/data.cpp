// longalign data: the data pipeline. `data plan` decides which samples train together, on which
// rank and in which optimizer step, and reports what that costs against the other methods.
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "data/plan.h"
#include "data/plan_file.h"
#include "data/plan_report.h"
#include "data/samples.h"

namespace longalign::cli {

namespace {

struct PlanArgs {
  std::string store, lengths, method, packer = "bfd", output, svg, model_config;
  uint64_t max_tokens = 0, seed = 0;
  uint32_t batch_size = 0, grad_accum = 1, world_size = 1, epochs = 1;
  bool json = false;
};

// The samples to plan. Only a lengths file today; the tokenized store plugs in here as another
// SampleSource.
std::unique_ptr<data::SampleSource> sample_source(const PlanArgs& a) {
  if (!a.store.empty()) {
    throw UsageError(
        "data plan STORE: the tokenized store arrives with `data prepare`; use --lengths for now");
  }
  if (a.lengths.empty()) throw UsageError("data plan needs --lengths FILE");
  return std::make_unique<data::LengthsFile>(a.lengths);
}

void run_plan(const PlanArgs& a) {
  const auto source = sample_source(a);
  data::PlanOptions o;
  o.method = data::parse_method(a.method);
  o.packer = data::parse_packer(a.packer);
  o.max_tokens = a.max_tokens;
  o.batch_size = a.batch_size;
  o.grad_accum = a.grad_accum;
  o.world_size = a.world_size;
  o.seed = a.seed;
  o.epochs = a.epochs;
  std::optional<data::ModelConfig> model;
  if (!a.model_config.empty()) {
    model = data::read_model_config(a.model_config);
    o.attention_divisor = data::attention_divisor(*model);
  }
  const auto samples = source->samples();
  const data::Plan plan = data::make_plan(samples, o);
  if (!a.output.empty()) data::save_plan(plan, a.output);

  const auto stats = data::plan_stats(plan, samples, model);
  const auto all = data::compare_methods(samples, o, model);
  if (!a.svg.empty()) write_file_atomic(a.svg, data::fill_histogram_svg(stats));
  if (a.json) {
    std::cout << data::report_json(stats, all).dump(2) << '\n';
  } else {
    std::cout << source->name() << ": " << samples.size() << " samples\n"
              << data::report_text(stats, all);
  }
}

void add_plan_command(CLI::App& data) {
  auto a = std::make_shared<PlanArgs>();
  CLI::App* cmd = data.add_subcommand(
      "plan", "Group samples into micro-batches, ranks and optimizer steps (naive, sort or pack)");
  cmd->add_option("STORE", a->store, "Tokenized store (not yet: use --lengths)");
  cmd->add_option("--lengths", a->lengths,
                  "Text file, one sample per line: \"length\" or \"length target_count\"");
  cmd->add_option("--method", a->method, "naive, sort or pack")->required();
  cmd->add_option("--packer", a->packer, "With --method pack: ffd, bfd or next-fit (LongAlign's)")
      ->capture_default_str();
  cmd->add_option("--max-tokens", a->max_tokens, "Tokens per pack; longest sample allowed")
      ->required();
  cmd->add_option("--batch-size", a->batch_size, "Sequences per batch for naive and sort")
      ->required();
  cmd->add_option("--grad-accum", a->grad_accum, "Micro-batches per rank per optimizer step")
      ->capture_default_str();
  cmd->add_option("--world-size", a->world_size, "Ranks (GPUs)")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of every shuffle")->required();
  cmd->add_option("--epochs", a->epochs, "Epochs, each reshuffled")->capture_default_str();
  cmd->add_option("-o,--output", a->output, "Write the plan (JSON) here");
  cmd->add_flag("--json", a->json, "Print the report as JSON");
  cmd->add_option("--svg", a->svg, "Write an SVG histogram of micro-batch fill here");
  cmd->add_option("--model-config", a->model_config,
                  "Hugging Face config.json: FLOPs in the report and the rank-balance weights");
  cmd->callback([a] { run_plan(*a); });
}

}  // namespace

void add_data_command(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "Training data: plans of batches and packs");
  data->require_subcommand(1);
  add_plan_command(*data);
}

}  // namespace longalign::cli
