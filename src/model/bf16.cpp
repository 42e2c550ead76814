// Bulk fp32 <-> bf16 conversion. to_bf16 has two vector paths that give bit-identical results:
// AVX2 integer rounding (any x86-64-v3 CPU) and vcvtne2ps2bf16 where the CPU has AVX512_BF16.
#include "model/bf16.h"

#include <immintrin.h>

#include <algorithm>

#include "model/cpu_features.h"

namespace longalign::model {
namespace {

// Below this many elements the OpenMP fork costs more than the conversion.
constexpr int64_t kParallelMin = 1 << 15;

// Eight floats to eight bf16, with the scalar to_bf16's rounding: add 0x7fff plus the lowest kept
// bit (ties to even), keep the top half; a NaN keeps its top half with the quiet bit set.
inline __m128i to_bf16_avx2(__m256 x) {
  const __m256i bits = _mm256_castps_si256(x);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
  const __m256i bias = _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff));
  const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(bits, bias), 16);
  const __m256i quiet_nan = _mm256_or_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(0x40));
  const __m256i is_nan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  const __m256i halves = _mm256_blendv_epi8(rounded, quiet_nan, is_nan);
  // packus works within 128-bit lanes; the permute brings the two packed quarters together.
  const __m256i packed = _mm256_packus_epi32(halves, halves);
  return _mm256_castsi256_si128(_mm256_permute4x64_epi64(packed, 0x08));
}

void to_bf16_range_avx2(bf16* dst, const float* src, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), to_bf16_avx2(_mm256_loadu_ps(src + i)));
  }
  for (; i < n; ++i) dst[i] = to_bf16(src[i]);
}

__attribute__((target("avx512f"))) inline __mmask16 subnormal_lanes(__m512 x) {
  const __m512i bits = _mm512_castps_si512(x);
  return _mm512_testn_epi32_mask(bits, _mm512_set1_epi32(0x7f800000)) &
         _mm512_test_epi32_mask(bits, _mm512_set1_epi32(0x007fffff));
}

// vcvtne2ps2bf16 rounds to nearest even and quiets NaNs exactly as to_bf16 does, but it treats
// subnormal inputs as zero; a block holding one (rare: |x| < 1.2e-38) takes the AVX2 route.
__attribute__((target("avx512f,avx512bw,avx512bf16"))) void to_bf16_range_avx512(bf16* dst,
                                                                                 const float* src,
                                                                                 int64_t n) {
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 lo = _mm512_loadu_ps(src + i);
    const __m512 hi = _mm512_loadu_ps(src + i + 16);
    if (subnormal_lanes(lo) | subnormal_lanes(hi)) {
      to_bf16_range_avx2(dst + i, src + i, 32);
      continue;
    }
    const __m512bh packed = _mm512_cvtne2ps_pbh(hi, lo);
    _mm512_storeu_si512(dst + i, reinterpret_cast<__m512i>(packed));
  }
  to_bf16_range_avx2(dst + i, src + i, n - i);
}

}  // namespace

// dst[i] = to_bf16(src[i]), i in [0, n). Threads take contiguous ranges of whole vectors.
void to_bf16(bf16* dst, const float* src, int64_t n) {
  const bool avx512 = cpu_features().avx512_bf16 && cpu_features().avx512bw;
  constexpr int64_t kBlock = 4096;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * kBlock;
    const int64_t count = std::min(kBlock, n - begin);
    if (avx512) {
      to_bf16_range_avx512(dst + begin, src + begin, count);
    } else {
      to_bf16_range_avx2(dst + begin, src + begin, count);
    }
  }
}

// dst[i] = from_bf16(src[i]): a shift, which the compiler vectorises.
void from_bf16(float* dst, const bf16* src, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) dst[i] = from_bf16(src[i]);
}

}  // namespace longalign::model
