// `longalign train`: supervised fine-tuning along a plan. Each optimizer step runs this rank's
// planned micro-batches with the step's loss weights, all-reduces the gradients over the ranks,
// clips them, and takes one AdamW step at the scheduled learning rate. Checkpoints resume exactly;
// SIGINT and SIGTERM save one and stop.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>

#include "model/batch.h"
#include "model/precision.h"
#include "model/safetensors.h"
#include "model/transformer.h"
#include "train/engine.h"
#include "train/loss_weights.h"
#include "train/lr_schedule.h"

namespace longalign::train {

struct TrainOptions {
  std::filesystem::path model_dir, data_dir, plan_path, out_dir;
  std::filesystem::path eval_dir;  // a held-out store, or empty
  double lr = 2e-5;
  double warmup_ratio = 0.03;
  Schedule schedule = Schedule::cosine;
  double weight_decay = 0.0;
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
  double max_grad_norm = 1.0;  // 0 turns clipping off
  LossMode loss = LossMode::sequence;
  int64_t max_steps = 0;   // 0: every step of the plan
  int64_t save_every = 0;  // 0: only at the end and on a signal
  int keep_last = 2;       // checkpoints kept (0: all)
  int64_t eval_every = 0;  // 0: only at the end when eval_dir is set
  int64_t log_every = 10;  // plain log lines when not on a terminal
  model::Precision precision = model::Precision::bf16;
  model::Recompute recompute = model::Recompute::automatic;
  model::PackPositions positions = model::PackPositions::restart;
  // Micro-batches are padded to a multiple of this many tokens (a padding segment without
  // targets), so the products see fewer distinct shapes. 1, the default, pads nothing: measured
  // here, fewer shapes saved no time and the padding cost some (docs/PERFORMANCE.md).
  int64_t pad_multiple = 1;
  model::TensorDType save_dtype = model::TensorDType::bf16;  // of the final model folder
  bool resume = false;
  EngineFactory make_engine;  // the device that trains (null: the CPU engine)
};

struct TrainResult {
  int64_t steps_done = 0;  // optimizer steps completed, resumed ones included
  int64_t total_steps = 0;
  double last_loss = 0;
  bool interrupted = false;         // stopped by SIGINT or SIGTERM after saving a checkpoint
  std::filesystem::path model_dir;  // OUT/model, written when training finished
};

// Runs on every rank of Communicator::world(); rank 0 writes checkpoints, metrics and logs to
// `log` (the others write nothing).
TrainResult train(const TrainOptions& options, std::ostream& log);

}  // namespace longalign::train
