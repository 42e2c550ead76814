// RMSNorm: y = x / sqrt(mean(x^2) + eps) * w, over the last dimension.
#pragma once

#include <cstdint>

namespace longalign::model {

// x, out: [T, C]; weight: [C]; rstd: [T] receives 1 / sqrt(mean(x^2) + eps) for the backward.
void rmsnorm_forward(float* out, float* rstd, const float* x, const float* weight, int64_t T,
                     int64_t C, float eps);

// dx += dL/dx and dweight += dL/dweight, from dout [T, C] and the forward's x and rstd.
void rmsnorm_backward(float* dx, float* dweight, const float* dout, const float* x,
                      const float* weight, const float* rstd, int64_t T, int64_t C);

}  // namespace longalign::model
