// The whole model on one batch: embedding, the decoder layers, the final norm and the fused LM head
// with its loss; forward, and backward into a gradient of the same layout as the parameters.
// Buffers are planned from the config and the batch size and kept between calls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/batch.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/precision.h"

namespace longalign::model {

// Activation recomputation: keep only each layer's input and recompute the layer's forward during
// the backward, trading a third more compute for memory that no longer grows with the layer count.
enum class Recompute { automatic, on, off };

// The command-line spelling: "auto", "on" or "off"; UsageError otherwise.
Recompute parse_recompute(const std::string& name);

struct StepOptions {
  Precision precision = Precision::fp32;
  Recompute recompute = Recompute::automatic;
  // With Recompute::automatic, recomputation starts above this many tokens in a batch.
  int64_t recompute_above_tokens = 16384;
};

// Whether a training pass over T tokens recomputes each layer in its backward.
bool recomputes(const StepOptions& options, int64_t T);

class Transformer {
 public:
  Transformer(const ModelConfig& config, const Parameters& params);

  // The weighted loss sum over the batch, sum_t token_weights[t] * -log p(targets[t]). With
  // `token_loss` set ([T]), each token's unweighted loss is written there; with `token_correct`
  // ([T]), whether its target is the most likely token.
  double forward(const Batch& batch, Precision precision, float* token_loss = nullptr,
                 uint8_t* token_correct = nullptr);

  // forward() and its backward: gradients of the weighted loss sum are accumulated (+=) into
  // `grads`, so several batches accumulate into one step.
  double forward_backward(const Batch& batch, Parameters& grads, const StepOptions& options,
                          float* token_loss = nullptr);

  // Bytes of activation memory the last call planned.
  int64_t workspace_bytes() const { return static_cast<int64_t>(workspace_.size()) * 4; }

 private:
  double run(const Batch& batch, Parameters* grads, const StepOptions& options, float* token_loss,
             uint8_t* token_correct);

  const ModelConfig& config_;
  const Parameters& params_;
  std::vector<float> workspace_;
};

}  // namespace longalign::model
