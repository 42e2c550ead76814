// RMSNorm over the last dimension, forward and backward.
#include "model/rmsnorm.h"

#include <algorithm>
#include <cmath>

namespace longalign::model {

// x, out: [T, C]; weight: [C]; rstd: [T].
//   rstd[t] = 1 / sqrt(mean_c(x[t,c]^2) + eps)
//   out[t,c] = x[t,c] * rstd[t] * weight[c]
void rmsnorm_forward(float* out, float* rstd, const float* x, const float* weight, int64_t T,
                     int64_t C, float eps) {
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < T; ++t) {
    const float* xt = x + t * C;
    float sum_squares = 0.0f;
    for (int64_t c = 0; c < C; ++c) sum_squares += xt[c] * xt[c];
    const float r = 1.0f / std::sqrt(sum_squares / static_cast<float>(C) + eps);
    rstd[t] = r;
    float* ot = out + t * C;
    for (int64_t c = 0; c < C; ++c) ot[c] = xt[c] * r * weight[c];
  }
}

// dout: [T, C]; x, rstd from the forward. With g = w * dy and r = rstd, r depends on x through
// dr/dx_i = -r^3 x_i / C, so
//   dL/dx_i = sum_j g_j (r [i == j] + x_j dr/dx_i) = r * (g_i - x_i * r^2 * mean_j(g_j x_j))
//   dL/dw_c = sum_t dy[t,c] * x[t,c] * r[t]
// dweight is summed over t in order by the thread that owns column block c, so it is the same
// for any number of threads, and no thread writes another's columns.
void rmsnorm_backward(float* dx, float* dweight, const float* dout, const float* x,
                      const float* weight, const float* rstd, int64_t T, int64_t C) {
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < T; ++t) {
    const float* xt = x + t * C;
    const float* dyt = dout + t * C;
    const float r = rstd[t];
    float dot = 0.0f;
    for (int64_t c = 0; c < C; ++c) dot += weight[c] * dyt[c] * xt[c];
    const float correction = r * r * dot / static_cast<float>(C);
    float* dxt = dx + t * C;
    for (int64_t c = 0; c < C; ++c) dxt[c] += r * (weight[c] * dyt[c] - xt[c] * correction);
  }
  constexpr int64_t kColumns = 32;
  const int64_t blocks = (C + kColumns - 1) / kColumns;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * kColumns, end = std::min(C, begin + kColumns);
    for (int64_t t = 0; t < T; ++t) {
      const float* xt = x + t * C;
      const float* dyt = dout + t * C;
      for (int64_t c = begin; c < end; ++c) dweight[c] += dyt[c] * xt[c] * rstd[t];
    }
  }
}

}  // namespace longalign::model
