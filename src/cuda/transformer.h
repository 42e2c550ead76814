// The whole model on the GPU for one batch: embedding, the decoder layers, the final norm and the
// fused LM head with its loss; forward, and backward into gradients of the parameter layout
// (model/transformer.h's contract, and its recomputation rule). Buffers are planned from the
// config and the batch size and kept between calls.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "cuda/attention.h"
#include "cuda/device_memory.h"
#include "cuda/device_parameters.h"
#include "cuda/gemm.h"
#include "cuda/lm_head_loss.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/transformer.h"

namespace longalign::cuda {

class DeviceTransformer {
 public:
  DeviceTransformer(const model::ModelConfig& config, Gemm& gemm, cudaStream_t stream);

  // The weighted loss sum of the batch; with `grads`, its gradients accumulate (+=) there.
  // token_loss and token_correct ([T], host) receive each token's loss and whether its target is
  // the most likely token, when set. The batch is checked on the host first.
  double run(const model::Batch& batch, const DeviceWeights& weights, DeviceParameters* grads,
             const model::StepOptions& options, float* token_loss, uint8_t* token_correct);

 private:
  void upload(const model::Batch& batch);

  const model::ModelConfig& config_;
  Gemm& gemm_;
  cudaStream_t stream_;
  // The batch on the device.
  DeviceBuffer<int32_t> tokens_, targets_, positions_, rows_;
  DeviceBuffer<float> token_weights_, inv_freq_;
  DeviceBuffer<AttentionTile> tiles_;
  int64_t n_rows_ = 0, n_tiles_ = 0;
  // Per-token results, and the activations and gradient scratch.
  DeviceBuffer<float> token_loss_, weighted_;
  DeviceBuffer<uint8_t> correct_;
  DeviceBuffer<float> workspace_;
  LmHeadScratch lm_head_;
};

}  // namespace longalign::cuda
