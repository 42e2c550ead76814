// The three loss modes of a training step (see src/data/plan.h for the derivation). A step holds
// K micro-batches and M sequences over all ranks and accumulation steps; N_i is sequence i's
// target tokens, N_k micro-batch k's, N the step's. Each target token's weight is
//   token:    1 / N                 (the mean over every target token of the step)
//   pack:     1 / (K N_k)           (a mean per micro-batch, then over micro-batches)
//   sequence: 1 / (M N_i)           (LongAlign: the mean over sequences of each one's mean)
// so the step's loss is the weighted sum over all ranks, and the all-reduced gradient its
// gradient.
#pragma once

#include <cstdint>
#include <string>

#include "model/batch.h"

namespace longalign::train {

enum class LossMode { token, pack, sequence };

LossMode parse_loss_mode(const std::string& name);  // UsageError for an unknown name
const char* loss_mode_name(LossMode mode);

struct StepCounts {
  uint64_t k = 0;             // micro-batches, all ranks
  uint64_t m = 0;             // sequences, all ranks
  int64_t target_tokens = 0;  // N, all ranks
};

// Scales batch.token_weights (1 on every target token, as make_batch leaves them) for `mode`.
void apply_loss_weights(model::Batch& batch, LossMode mode, const StepCounts& step);

}  // namespace longalign::train
