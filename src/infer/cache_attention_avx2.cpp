// The cache attention passes for AVX2 (8 floats a vector), the library's baseline, and for one
// float at a time (head sizes that are not a multiple of 8).
#include <immintrin.h>

#include "infer/cache_attention_kernel.h"
#include "model/bf16.h"

namespace longalign::infer {
namespace {

struct Avx2 {
  using V = __m256;
  static constexpr int W = 8;
  static constexpr int kQueryBlock = 4;    // 4 queries x 2 vectors of accumulators
  static constexpr int kAccumulators = 8;  // of the 16 ymm registers, with the value row's
  static V zero() { return _mm256_setzero_ps(); }
  static V broadcast(float x) { return _mm256_set1_ps(x); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  // bf16 is the top half of an fp32: widen to 32 bits, shift into place.
  static V load(const model::bf16* p) {
    const __m256i wide =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
};

struct Scalar {
  using V = float;
  static constexpr int W = 1;
  static constexpr int kQueryBlock = 4;
  static constexpr int kAccumulators = 0;  // the general loop only
  static V zero() { return 0.0f; }
  static V broadcast(float x) { return x; }
  static V load(const float* p) { return *p; }
  static V load(const model::bf16* p) { return model::from_bf16(*p); }
  static V fma(V a, V b, V c) { return a * b + c; }
  static V mul(V a, V b) { return a * b; }
  static void store(float* p, V v) { *p = v; }
};

}  // namespace

void score_pass_scalar(const CacheItem& item) {
  score_pass<Scalar>(item);
}

void value_pass_scalar(const CacheItem& item) {
  value_pass<Scalar>(item);
}

void score_pass_avx2(const CacheItem& item) {
  score_pass<Avx2>(item);
}

void value_pass_avx2(const CacheItem& item) {
  value_pass<Avx2>(item);
}

}  // namespace longalign::infer
