// The LM head and the cross-entropy loss, fused over chunks of tokens so that the T x V logits are
// never held at once (64k tokens x 32k vocab of fp32 logits would be 8 GiB).
#pragma once

#include <cstdint>

#include "model/precision.h"

namespace longalign::model {

struct LmHeadLossInput {
  const float* x = nullptr;              // [T, C], the final norm's output
  const float* weight = nullptr;         // [V, C], the LM head (or the tied embedding)
  const int32_t* targets = nullptr;      // [T], the next token; -1 where no loss is taken
  const float* token_weights = nullptr;  // [T], each token's weight in the loss (0 where target -1)
  int64_t T = 0, C = 0, V = 0;
};

struct LmHeadLossOutput {
  float* token_loss = nullptr;  // [T] or null: -log p(target) per token (0 where target -1)
  float* dx = nullptr;          // [T, C] or null: dL/dx is accumulated (+=) when set
  float* dweight = nullptr;     // [V, C] or null: dL/dweight is accumulated (+=) when set
  // [T] or null: 1 where the target is the most likely token, the one greedy decoding would emit
  // (0 where target -1).
  uint8_t* token_correct = nullptr;
};

// Returns L = sum_t token_weights[t] * -log softmax(x_t W^T)[targets[t]], in double. With dx or
// dweight set it also computes the gradients of L in the same pass over the chunks.
double lm_head_loss(Precision precision, const LmHeadLossInput& in, const LmHeadLossOutput& out);

}  // namespace longalign::model
