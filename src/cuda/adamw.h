// AdamW, the gradient norm and clipping on the GPU, on flat arrays in the parameter layout, with
// train::AdamW's math (torch.optim.AdamW's) and the bf16 working copy refreshed in the same pass.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <cstdint>

namespace longalign::cuda {

// Elements [previous run's end, end) are decayed when `decay` is set (weights), not otherwise
// (norms, biases, the padding between tensors).
struct DecayRun {
  int64_t end;
  int32_t decay;
};

struct AdamWStep {
  float beta1, beta2, eps;
  float step_size;    // lr / (1 - beta1^t)
  float v_scale;      // 1 / sqrt(1 - beta2^t)
  float decay_scale;  // 1 - lr * weight_decay, for decayed elements
};

//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p = p * decay - step_size * m / (sqrt(v) * v_scale + eps);  p16 = bf16(p)
void adamw_update(float* p, __nv_bfloat16* p16, const float* g, float* m, float* v, int64_t n,
                  const DecayRun* runs, int num_runs, const AdamWStep& step, cudaStream_t stream);

// The sum of squares of g in double, over fixed chunks in a fixed order (the same in every run),
// written to `result` (device); `partial` holds norm_partials(n) doubles.
void sum_of_squares(double* result, const float* g, int64_t n, double* partial,
                    cudaStream_t stream);
int64_t norm_partials(int64_t n);

void scale_in_place(float* g, int64_t n, float factor, cudaStream_t stream);

}  // namespace longalign::cuda
