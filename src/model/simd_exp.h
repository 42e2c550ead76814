// Vectorised exponentials for the softmax loops (attention, the LM head's loss). Include only
// from files built for AVX2 (the model library is built for x86-64-v3).
#pragma once

#include <immintrin.h>

namespace longalign::model {

// 2^x for x <= 0 (larger x is clamped at 2^127), with about 2e-7 relative error; x <= -127 and
// -inf give exactly 0, which is how masked scores vanish.
inline __m256 exp2_avx2(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f));
  // 2^x = 2^n * 2^f with n = round(x), f in [-1/2, 1/2]; 2^f = e^(f ln 2) by its Taylor series
  // to degree 6, whose remainder (ln2 / 2)^7 / 7! is about 1.2e-7.
  const __m256 n = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 f = _mm256_sub_ps(x, n);
  __m256 p = _mm256_set1_ps(1.5403530393381606e-4f);
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.3333558146428443e-3f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(9.6181291076284772e-3f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(5.5504108664821580e-2f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(2.4022650695910071e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(6.9314718055994531e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f));
  // 2^n built in the exponent field; n = -127 gives the bit pattern of 0.0f.
  const __m256i biased = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
  return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(biased, 23)));
}

// e^x = 2^(x log2 e), same range and error as exp2_avx2.
inline __m256 exp_avx2(__m256 x) {
  return exp2_avx2(_mm256_mul_ps(x, _mm256_set1_ps(1.4426950408889634f)));
}

}  // namespace longalign::model
