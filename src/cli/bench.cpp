// longalign bench step: tokens/s and TFLOP/s of whole training steps, against the matrix-product
// ceiling measured in the same run.
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/device.h"
#include "core/error.h"
#include "model/config.h"
#include "train/step_bench.h"

namespace longalign::cli {
namespace {

struct StepArgs {
  std::string config, seqlens = "2048,1024,512,512", dtype = "bf16", recompute = "auto";
  std::string device = "auto";
  int steps = 3, warmup = 1;
  uint64_t seed = 0;
  bool json = false;
};

std::vector<int64_t> parse_seqlens(const std::string& text) {
  std::vector<int64_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      out.push_back(std::stoll(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw UsageError("--seqlens: '" + item + "' is not a whole number");
    }
  }
  return out;
}

void run_step(const StepArgs& a) {
  const model::ModelConfig config = model::load_config(a.config);
  train::StepBenchOptions o;
  o.seqlens = parse_seqlens(a.seqlens);
  o.precision = model::parse_precision(a.dtype);
  o.recompute = model::parse_recompute(a.recompute);
  if (a.steps < 1) throw UsageError("--steps must be at least 1");
  o.steps = a.steps;
  if (a.warmup < 0) throw UsageError("--warmup must not be negative");
  o.warmup = a.warmup;
  o.seed = a.seed;
  o.make_engine = engine_for_device(a.device);
  const train::StepBenchResult r = train::run_step_bench(config, o);
  const Json j = {{"tokens", r.tokens},
                  {"parameters", r.parameters},
                  {"dtype", a.dtype},
                  {"recomputed", r.recomputed},
                  {"step_seconds", r.step_seconds},
                  {"tokens_per_second", r.tokens_per_second},
                  {"model_tflop_per_step", r.model_tflop},
                  {"achieved_tflops", r.achieved_tflops},
                  {"gemm_ceiling_tflops", r.ceiling_tflops},
                  {"fraction_of_ceiling", r.achieved_tflops / r.ceiling_tflops},
                  {"first_loss", r.first_loss},
                  {"last_loss", r.last_loss},
                  {"peak_memory_bytes", r.peak_memory_bytes},
                  {"engine", r.engine}};
  if (a.json) {
    std::cout << j.dump() << "\n";
    return;
  }
  std::cout << "model        " << r.parameters / 1e6 << "M parameters, " << r.tokens
            << " tokens per step (" << a.seqlens << "), " << a.dtype
            << (r.recomputed ? ", recomputation on" : "") << "\n"
            << "step         " << r.step_seconds << " s (best of " << a.steps << ")\n"
            << "throughput   " << r.tokens_per_second << " tokens/s\n"
            << "achieved     " << r.achieved_tflops << " TFLOP/s (" << r.model_tflop
            << " TFLOP per step)\n"
            << "ceiling      " << r.ceiling_tflops << " TFLOP/s (4096^3 " << a.dtype
            << " product, this run)\n"
            << "fraction     " << 100.0 * r.achieved_tflops / r.ceiling_tflops << "%\n"
            << "loss         " << r.first_loss << " -> " << r.last_loss << "\n"
            << "peak memory  " << r.peak_memory_bytes / double(1 << 20) << " MiB\n"
            << "engine       " << r.engine << "\n";
}

}  // namespace

void add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks of the engine");
  bench->require_subcommand(1);
  auto args = std::make_shared<StepArgs>();
  CLI::App* step = bench->add_subcommand(
      "step", "Time forward + backward + AdamW steps of a random model on one pack");
  step->add_option("--config", args->config, "config.json or a folder holding one")->required();
  step->add_option("--seqlens", args->seqlens,
                   "Sequence lengths of the pack (default 2048,1024,512,512)");
  step->add_option("--dtype", args->dtype, "bf16 (default) or fp32");
  step->add_option("--recompute", args->recompute, "Activation recomputation: auto, on or off");
  step->add_option("--steps", args->steps, "Timed steps (default 3)");
  step->add_option("--warmup", args->warmup, "Untimed steps before them (default 1)");
  step->add_option("--seed", args->seed, "Seed of the weights and tokens");
  step->add_option("--device", args->device, device_option_help());
  step->add_flag("--json", args->json, "Print one JSON object");
  step->callback([args] { run_step(*args); });
}

}  // namespace longalign::cli
