// SwiGLU, forward and backward.
#include "model/swiglu.h"

#include <cmath>

namespace longalign::model {
namespace {

float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}

}  // namespace

// gate_up: [T, 2I], gate = gate_up[t, 0:I], up = gate_up[t, I:2I]; out: [T, I].
//   out = silu(gate) * up, silu(g) = g * sigmoid(g)
void swiglu_forward(float* out, const float* gate_up, int64_t T, int64_t I) {
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < T; ++t) {
    const float* gate = gate_up + t * 2 * I;
    const float* up = gate + I;
    float* ot = out + t * I;
    for (int64_t i = 0; i < I; ++i) ot[i] = gate[i] * sigmoid(gate[i]) * up[i];
  }
}

// dout: [T, I]; dgate_up: [T, 2I], written. With s = sigmoid(g):
//   d(out)/d(up) = silu(g) = g s
//   d(out)/d(g) = up * silu'(g), silu'(g) = s + g s (1 - s) = s (1 + g (1 - s))
void swiglu_backward(float* dgate_up, const float* dout, const float* gate_up, int64_t T,
                     int64_t I) {
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < T; ++t) {
    const float* gate = gate_up + t * 2 * I;
    const float* up = gate + I;
    const float* dyt = dout + t * I;
    float* dgate = dgate_up + t * 2 * I;
    float* dup = dgate + I;
    for (int64_t i = 0; i < I; ++i) {
      const float g = gate[i];
      const float s = sigmoid(g);
      dgate[i] = dyt[i] * up[i] * s * (1.0f + g * (1.0f - s));
      dup[i] = dyt[i] * g * s;
    }
  }
}

}  // namespace longalign::model
