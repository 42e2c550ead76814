// The cache attention passes for AVX-512 (16 floats a vector). This file alone is compiled with
// AVX-512 enabled (src/infer/CMakeLists.txt); cache_attention.cpp calls it only where
// cpu_features() reports AVX-512.
#include <immintrin.h>

#include "infer/cache_attention_kernel.h"
#include "model/bf16.h"

namespace longalign::infer {
namespace {

struct Avx512 {
  using V = __m512;
  static constexpr int W = 16;
  static constexpr int kQueryBlock = 8;     // 8 accumulators of one tile's 16 keys
  static constexpr int kAccumulators = 16;  // of the 32 zmm registers, with the value row's
  static V zero() { return _mm512_setzero_ps(); }
  static V broadcast(float x) { return _mm512_set1_ps(x); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  // bf16 is the top half of an fp32: widen to 32 bits, shift into place. (The zero-masked forms
  // keep GCC 12 from warning about the unmasked intrinsics' undefined pass-through value.)
  static V load(const model::bf16* p) {
    const __m512i wide = _mm512_maskz_cvtepu16_epi32(
        0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(0xffff, wide, 16));
  }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
};

}  // namespace

void score_pass_avx512(const CacheItem& item) {
  score_pass<Avx512>(item);
}

void value_pass_avx512(const CacheItem& item) {
  value_pass<Avx512>(item);
}

}  // namespace longalign::infer
