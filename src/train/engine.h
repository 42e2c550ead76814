// The device a model trains and scores on, behind one interface: the trainer, `score` and `bench
// step` call these and never learn which device runs (the CPU engine here; the CUDA engine in
// src/cuda/, chosen by the command line).
//
// The host copies of the weights (model::Parameters) and of AdamW's state are the caller's:
// checkpoints and model folders are written from them and read into them. An engine computes on
// its own copy and syncs on upload() (host to device, after loading or resuming) and download()
// (device to host, before a checkpoint or a save). The CPU engine computes on the host copies
// themselves, so for it both are no-ops.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "model/batch.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/transformer.h"
#include "train/adamw.h"
#include "train/distributed.h"

namespace longalign::train {

class Engine {
 public:
  virtual ~Engine() = default;

  // What runs, for logs and reports: "cpu (avx512_bf16)", "cuda (NVIDIA H200, sm_90)".
  virtual std::string describe() const = 0;

  virtual void upload() = 0;
  virtual void download() = 0;

  // The weighted loss sum of the batch (model::Transformer::forward's contract), with each token's
  // loss and whether its target is the most likely token when the pointers are set ([T] each).
  virtual double forward(const model::Batch& batch, model::Precision precision, float* token_loss,
                         uint8_t* token_correct) = 0;

  // Training: gradients accumulate over forward_backward calls until zero_grads().
  virtual void zero_grads() = 0;
  virtual double forward_backward(const model::Batch& batch, const model::StepOptions& options,
                                  float* token_loss = nullptr) = 0;
  // Sums the gradients over the ranks of `comm` (a no-op for a world of one).
  virtual void allreduce_grads(Communicator& comm) = 0;
  // Scales the gradients to a norm of at most max_norm (0: measure only); returns the norm
  // before clipping.
  virtual double clip_grad_norm(double max_norm) = 0;
  // One AdamW update of the weights at learning rate lr (needs an engine made with an optimizer).
  virtual void adamw_step(double lr) = 0;

  // For `bench step`: the best of a few 4096 x 4096 x 4096 products in `precision` (TFLOP/s), the
  // ceiling a step is compared with, and the most memory the engine has held, in bytes.
  virtual double matmul_ceiling_tflops(model::Precision precision) = 0;
  virtual int64_t peak_memory_bytes() = 0;

  // The accumulated gradient, flat in the parameter layout (model::Parameters::size() floats):
  // for tests that compare engines, and diagnostics.
  virtual void copy_grads(float* out) = 0;
};

// Makes an engine over the caller's host copies; `optimizer` may be null for scoring only.
using EngineFactory = std::function<std::unique_ptr<Engine>(
    const model::ModelConfig& config, model::Parameters& params, AdamW* optimizer)>;

std::unique_ptr<Engine> make_cpu_engine(const model::ModelConfig& config, model::Parameters& params,
                                        AdamW* optimizer);

}  // namespace longalign::train
