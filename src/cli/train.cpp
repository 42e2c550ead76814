// longalign train: LongAlign SFT along a plan (src/train/trainer.h does the work).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/device.h"
#include "core/error.h"
#include "train/distributed.h"
#include "train/trainer.h"

namespace longalign::cli {
namespace {

struct TrainArgs {
  train::TrainOptions o;
  std::string model, data, plan, output, eval, schedule = "cosine", loss = "sequence";
  std::string dtype = "bf16", recompute = "auto", save_dtype = "bf16", device = "auto";
  bool continuous_positions = false;
};

void run_train(TrainArgs& a) {
  train::TrainOptions& o = a.o;
  o.model_dir = a.model;
  o.data_dir = a.data;
  o.plan_path = a.plan;
  o.out_dir = a.output;
  o.eval_dir = a.eval;
  o.schedule = train::parse_schedule(a.schedule);
  o.loss = train::parse_loss_mode(a.loss);
  o.precision = model::parse_precision(a.dtype);
  o.recompute = model::parse_recompute(a.recompute);
  o.save_dtype = model::parse_precision(a.save_dtype) == model::Precision::bf16
                     ? model::TensorDType::bf16
                     : model::TensorDType::f32;
  if (a.continuous_positions) o.positions = model::PackPositions::continuous;
  o.make_engine = engine_for_device(a.device);
  if (o.lr <= 0) throw UsageError("--lr must be positive");
  if (o.pad_multiple < 1) throw UsageError("--pad-multiple must be at least 1");
  if (o.warmup_ratio < 0 || o.warmup_ratio > 1)
    throw UsageError("--warmup-ratio must be in [0, 1]");
  train::Communicator& world = train::Communicator::world();
  try {
    const train::TrainResult r = train::train(o, std::cerr);
    if (world.is_root() && !r.interrupted) {
      std::cerr << "trained " << r.steps_done << " steps; model in " << r.model_dir.string()
                << ", metrics in " << (o.out_dir / "metrics.jsonl").string() << "\n";
    }
  } catch (const std::exception& e) {
    // One rank's failure stops them all, rather than leaving the others waiting in a reduction.
    if (world.size() > 1) world.abort(e.what());
    throw;
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  train::TrainOptions& o = a->o;
  CLI::App* cmd = app.add_subcommand(
      "train", "Supervised fine-tuning along a plan (naive, sorted or packed batches)");
  cmd->set_config("--config", "", "TOML file with the same settings (flags override it)");
  cmd->add_option("--model", a->model, "Model folder to start from")->required();
  cmd->add_option("--data", a->data, "Tokenized store (longalign data prepare)")->required();
  cmd->add_option("--plan", a->plan, "Training plan (longalign data plan)")->required();
  cmd->add_option("-o,--output", a->output, "Output folder: checkpoints, metrics, model")
      ->required();
  cmd->add_option("--lr", o.lr, "Peak learning rate (default 2e-5)");
  cmd->add_option("--warmup-ratio", o.warmup_ratio, "Share of steps warming up (default 0.03)");
  cmd->add_option("--schedule", a->schedule, "cosine (default), linear or constant");
  cmd->add_option("--weight-decay", o.weight_decay, "Decoupled weight decay (default 0)");
  cmd->add_option("--beta1", o.beta1, "Adam beta1 (default 0.9)");
  cmd->add_option("--beta2", o.beta2, "Adam beta2 (default 0.95, LongAlign's)");
  cmd->add_option("--adam-eps", o.eps, "Adam epsilon (default 1e-8)");
  cmd->add_option("--max-grad-norm", o.max_grad_norm, "Gradient clipping, 0 = off (default 1)");
  cmd->add_option("--loss", a->loss,
                  "token, pack or sequence (default: LongAlign's loss weighting, sequence)");
  cmd->add_option("--max-steps", o.max_steps, "Stop after this many steps (default: the plan)");
  cmd->add_option("--save-every", o.save_every, "Checkpoint every N steps (default: at the end)");
  cmd->add_option("--keep-last", o.keep_last, "Checkpoints kept (default 2, 0 = all)");
  cmd->add_option("--eval", a->eval, "Held-out store: its loss is logged");
  cmd->add_option("--eval-every", o.eval_every, "Evaluate every N steps (default: at the end)");
  cmd->add_option("--log-every", o.log_every, "Log line every N steps off a terminal (default 10)");
  cmd->add_option("--device", a->device, device_option_help());
  cmd->add_option("--dtype", a->dtype, "bf16 (default) or fp32 products (fp32 is deterministic)");
  cmd->add_option("--pad-multiple", o.pad_multiple,
                  "Pad each micro-batch to a multiple of N tokens, for fewer product shapes "
                  "(default 1: no padding)");
  cmd->add_option("--recompute", a->recompute, "Activation recomputation: auto, on or off");
  cmd->add_option("--save-dtype", a->save_dtype, "Final model weights: bf16 (default) or fp32");
  cmd->add_flag("--continuous-positions", a->continuous_positions,
                "Positions run on across a pack (LongAlign's code) instead of restarting");
  cmd->add_flag("--resume", o.resume, "Continue from the latest valid checkpoint in the output");
  cmd->callback([a] { run_train(*a); });
}

}  // namespace longalign::cli
