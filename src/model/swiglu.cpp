// SwiGLU, forward and backward, eight lanes at a time with the AVX2 exponential of simd_exp.h
// (about 2e-7 relative error; the scalar tail uses std::exp).
#include "model/swiglu.h"

#include <immintrin.h>

#include <cmath>

#include "model/simd_exp.h"

namespace longalign::model {
namespace {

float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}

// 1 / (1 + e^-x); e^-x is clamped at 2^127 for x below -88, where the sigmoid is 0 to fp32 anyway.
__m256 sigmoid8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp_avx2(_mm256_sub_ps(_mm256_setzero_ps(), x))));
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
    int64_t i = 0;
    for (; i + 8 <= I; i += 8) {
      const __m256 g = _mm256_loadu_ps(gate + i);
      const __m256 silu = _mm256_mul_ps(g, sigmoid8(g));
      _mm256_storeu_ps(ot + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    for (; i < I; ++i) ot[i] = gate[i] * sigmoid(gate[i]) * up[i];
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
    int64_t i = 0;
    const __m256 one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= I; i += 8) {
      const __m256 g = _mm256_loadu_ps(gate + i), u = _mm256_loadu_ps(up + i);
      const __m256 dy = _mm256_loadu_ps(dyt + i), s = sigmoid8(g);
      const __m256 silu_grad =
          _mm256_mul_ps(s, _mm256_fmadd_ps(g, _mm256_sub_ps(one, s), one));  // s (1 + g (1 - s))
      _mm256_storeu_ps(dgate + i, _mm256_mul_ps(_mm256_mul_ps(dy, u), silu_grad));
      _mm256_storeu_ps(dup + i, _mm256_mul_ps(dy, _mm256_mul_ps(g, s)));
    }
    for (; i < I; ++i) {
      const float g = gate[i];
      const float s = sigmoid(g);
      dgate[i] = dyt[i] * up[i] * s * (1.0f + g * (1.0f - s));
      dup[i] = dyt[i] * g * s;
    }
  }
}

}  // namespace longalign::model
