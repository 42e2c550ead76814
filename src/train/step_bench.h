// `longalign bench step`: times whole training steps (forward, backward, AdamW) of a randomly
// initialised model on one pack, and measures in the same run the matrix-product ceiling the
// step is compared with.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/precision.h"
#include "model/transformer.h"
#include "train/engine.h"

namespace longalign::train {

struct StepBenchOptions {
  std::vector<int64_t> seqlens;  // the pack's sequences
  model::Precision precision = model::Precision::bf16;
  model::Recompute recompute = model::Recompute::automatic;
  int steps = 3;   // timed steps
  int warmup = 1;  // untimed steps first (allocations, oneDNN primitives)
  uint64_t seed = 0;
  EngineFactory make_engine;  // null: the CPU engine
};

struct StepBenchResult {
  int64_t tokens = 0;
  int64_t parameters = 0;
  double step_seconds = 0;  // the fastest timed step
  double tokens_per_second = 0;
  double model_tflop = 0;  // useful FLOPs of one step (recomputation not counted)
  double achieved_tflops = 0;
  double ceiling_tflops = 0;             // one large matrix product in the same precision
  double first_loss = 0, last_loss = 0;  // mean token loss, falling if the step learns
  int64_t peak_memory_bytes = 0;  // the engine's: peak RSS on the CPU, device memory on a GPU
  bool recomputed = false;
  std::string engine;  // Engine::describe(): the device and the kernels that ran
};

// Model FLOPs of one training step on a pack: 6 per matrix weight per token (forward 2, backward
// 4), the LM head on target tokens only, and causal attention at 4·D per query-key pair and head
// forward plus 10·D backward (FlashAttention's count).
double training_step_flop(const model::ModelConfig& config, const std::vector<int64_t>& seqlens);

StepBenchResult run_step_bench(const model::ModelConfig& config, const StepBenchOptions& options);

}  // namespace longalign::train
