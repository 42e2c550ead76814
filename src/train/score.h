// Per-sample loss of a model on a tokenized store: the mean cross-entropy over each sample's target
// tokens. Samples run packed (the packing invariant makes that exact) in store order.
#pragma once

#include <cstdint>
#include <vector>

#include "data/store.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/precision.h"
#include "train/engine.h"

namespace longalign::train {

struct ScoreOptions {
  model::Precision precision = model::Precision::bf16;
  int64_t max_tokens = 16384;  // tokens per pack; a longer sample runs alone
  model::PackPositions positions = model::PackPositions::restart;
};

struct SampleScore {
  size_t index = 0;  // in the store
  int64_t tokens = 0;
  int64_t targets = 0;  // tokens that carry a loss
  double loss_sum = 0;  // summed over the targets
  // Every target token is the model's most likely next token: greedy decoding from the prompt
  // would produce the answer exactly (the exact-match accuracy of retrieval tasks).
  bool greedy_correct = false;
  double mean_loss() const { return targets ? loss_sum / double(targets) : 0.0; }
};

// Runs the store through `engine` (its current weights).
std::vector<SampleScore> score_store(Engine& engine, const data::StoreReader& store,
                                     const ScoreOptions& options);

}  // namespace longalign::train
