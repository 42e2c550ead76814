// AdamW (Loshchilov and Hutter) with decoupled weight decay, on flat fp32 arrays in the parameter
// layout; moments are fp32. Norms and biases are not decayed, as Hugging Face's Trainer does.
#pragma once

#include <cstdint>
#include <vector>

#include "model/config.h"

namespace longalign::train {

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.95;  // LongAlign's setting; transformers defaults to 0.999
  double eps = 1e-8;
  double weight_decay = 0.0;
};

class AdamW {
 public:
  // `size` is the parameter array's length (model::Parameters::size()).
  AdamW(const model::ModelConfig& config, int64_t size, const AdamWOptions& options);

  // One update at learning rate lr, as torch.optim.AdamW computes it:
  //   p -= lr * wd * p                       (decayed tensors only)
  //   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
  //   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
  void step(float* params, const float* grads, double lr);

  int64_t steps() const { return steps_; }
  const AdamWOptions& options() const { return options_; }
  std::vector<float>& first_moment() { return m_; }
  std::vector<float>& second_moment() { return v_; }
  const std::vector<float>& first_moment() const { return m_; }
  const std::vector<float>& second_moment() const { return v_; }
  void set_steps(int64_t steps) { steps_ = steps; }

 private:
  struct Segment {
    int64_t offset = 0, size = 0;
    bool decay = false;
  };
  AdamWOptions options_;
  std::vector<Segment> segments_;
  std::vector<float> m_, v_;
  int64_t steps_ = 0;
};

// The L2 norm of g, summed in double over fixed chunks in a fixed order: the same value for any
// thread count.
double grad_norm(const float* g, int64_t n);

// Scales g so its norm is at most max_norm (when max_norm > 0); returns the norm before clipping.
double clip_grad_norm(float* g, int64_t n, double max_norm);

}  // namespace longalign::train
