#include "train/loss_weights.h"

#include "core/error.h"

namespace longalign::train {

LossMode parse_loss_mode(const std::string& name) {
  if (name == "token") return LossMode::token;
  if (name == "pack") return LossMode::pack;
  if (name == "sequence") return LossMode::sequence;
  throw UsageError("--loss must be token, pack or sequence, not '" + name + "'");
}

const char* loss_mode_name(LossMode mode) {
  switch (mode) {
    case LossMode::token:
      return "token";
    case LossMode::pack:
      return "pack";
    case LossMode::sequence:
      return "sequence";
  }
  return "?";
}

void apply_loss_weights(model::Batch& batch, LossMode mode, const StepCounts& step) {
  int64_t batch_targets = 0;
  for (int64_t n : batch.target_counts) batch_targets += n;
  for (int64_t s = 0; s < batch.sequences(); ++s) {
    if (batch.target_counts[s] == 0) continue;  // no target token, nothing to weight
    double weight = 0.0;
    switch (mode) {
      case LossMode::token:
        weight = 1.0 / double(step.target_tokens);
        break;
      case LossMode::pack:
        weight = 1.0 / (double(step.k) * double(batch_targets));
        break;
      case LossMode::sequence:
        weight = 1.0 / (double(step.m) * double(batch.target_counts[s]));
        break;
    }
    for (int32_t t = batch.cu_seqlens[s]; t < batch.cu_seqlens[s + 1]; ++t) {
      batch.token_weights[t] *= static_cast<float>(weight);
    }
  }
}

}  // namespace longalign::train
