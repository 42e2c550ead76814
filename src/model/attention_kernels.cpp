#include "model/attention_kernels.h"

#include <immintrin.h>

#include <cstring>

#include "model/attention.h"
#include "model/cpu_features.h"

namespace longalign::model {
namespace {

bool force_generic = false;

// One register block of the generic product: rows [0, MR) x columns [0, 16) of C, two 8-wide
// accumulators per row. MR = 6 keeps 12 accumulators, 2 B vectors and 1 broadcast in the 16 ymm
// registers.
template <int MR>
void f32_block(int K, const float* a, int lda, const float* b, int ldb, float* c, int ldc,
               bool accumulate) {
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    acc[r][0] = accumulate ? _mm256_loadu_ps(c + r * ldc) : _mm256_setzero_ps();
    acc[r][1] = accumulate ? _mm256_loadu_ps(c + r * ldc + 8) : _mm256_setzero_ps();
  }
  for (int k = 0; k < K; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b + k * ldb);
    const __m256 b1 = _mm256_loadu_ps(b + k * ldb + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m256 a_rk = _mm256_broadcast_ss(a + r * lda + k);
      acc[r][0] = _mm256_fmadd_ps(a_rk, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(a_rk, b1, acc[r][1]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_ps(c + r * ldc, acc[r][0]);
    _mm256_storeu_ps(c + r * ldc + 8, acc[r][1]);
  }
}

// One register block of the bf16 product: rows [0, 4) x columns [0, 16 NV) of C. Each step takes
// one pair p of the reduction: C[r, n] += A[r, 2p] B[2p, n] + A[r, 2p+1] B[2p+1, n].
template <int NV>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void bf16_block(
    int pairs, const bf16* a, int lda, const bf16* b, int ldb, float* c, int ldc, bool accumulate) {
  constexpr int MR = 4;
  __m512 acc[MR][NV];
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      acc[r][v] = accumulate ? _mm512_loadu_ps(c + r * ldc + 16 * v) : _mm512_setzero_ps();
    }
  }
  for (int p = 0; p < pairs; ++p) {
    __m512bh b_pairs[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      b_pairs[v] = (__m512bh)_mm512_loadu_si512(b + 2 * (p * ldb + 16 * v));
    }
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) {
      int32_t a_pair;
      std::memcpy(&a_pair, a + r * lda + 2 * p, sizeof a_pair);
      const __m512bh a_rp = (__m512bh)_mm512_set1_epi32(a_pair);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], a_rp, b_pairs[v]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm512_storeu_ps(c + r * ldc + 16 * v, acc[r][v]);
  }
}

}  // namespace

AttentionKernel attention_kernel(Precision precision) {
  const bool fast = precision == Precision::bf16 && !force_generic && cpu_features().avx512_bf16;
  return fast ? AttentionKernel::avx512_bf16 : AttentionKernel::generic;
}

const char* attention_kernel_name(AttentionKernel kernel) {
  return kernel == AttentionKernel::avx512_bf16 ? "avx512_bf16 (vdpbf16ps)" : "generic (AVX2 FMA)";
}

const char* attention_kernel_in_use(Precision precision) {
  return attention_kernel_name(attention_kernel(precision));
}

void force_generic_attention_kernel(bool force) {
  force_generic = force;
}

void tile_matmul_f32(int M, int N, int K, const float* a, int lda, const float* b, int ldb,
                     float* c, int ldc, bool accumulate) {
  // A column panel of B (K x 16) stays in L1 while every row block of A passes over it.
  for (int n = 0; n < N; n += 16) {
    int m = 0;
    for (; m + 6 <= M; m += 6) {
      f32_block<6>(K, a + m * lda, lda, b + n, ldb, c + m * ldc + n, ldc, accumulate);
    }
    const float* a_m = a + m * lda;
    float* c_m = c + m * ldc + n;
    switch (M - m) {
      case 5:
        f32_block<5>(K, a_m, lda, b + n, ldb, c_m, ldc, accumulate);
        break;
      case 4:
        f32_block<4>(K, a_m, lda, b + n, ldb, c_m, ldc, accumulate);
        break;
      case 3:
        f32_block<3>(K, a_m, lda, b + n, ldb, c_m, ldc, accumulate);
        break;
      case 2:
        f32_block<2>(K, a_m, lda, b + n, ldb, c_m, ldc, accumulate);
        break;
      case 1:
        f32_block<1>(K, a_m, lda, b + n, ldb, c_m, ldc, accumulate);
        break;
      default:
        break;
    }
  }
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void tile_matmul_bf16(
    int M, int N, int K, const bf16* a, int lda, const bf16* b, int ldb, float* c, int ldc,
    bool accumulate) {
  const int pairs = K / 2;
  for (int n = 0; n < N; n += 64) {
    const int vectors = N - n >= 64 ? 4 : (N - n) / 16;
    for (int m = 0; m < M; m += 4) {
      const bf16* a_m = a + m * lda;
      float* c_m = c + m * ldc + n;
      switch (vectors) {
        case 4:
          bf16_block<4>(pairs, a_m, lda, b + 2 * n, ldb, c_m, ldc, accumulate);
          break;
        case 3:
          bf16_block<3>(pairs, a_m, lda, b + 2 * n, ldb, c_m, ldc, accumulate);
          break;
        case 2:
          bf16_block<2>(pairs, a_m, lda, b + 2 * n, ldb, c_m, ldc, accumulate);
          break;
        default:
          bf16_block<1>(pairs, a_m, lda, b + 2 * n, ldb, c_m, ldc, accumulate);
          break;
      }
    }
  }
}

void tile_to_operand(float* dst, const float* src, int n, bool round) {
  if (!round) {
    std::memcpy(dst, src, sizeof(float) * n);
    return;
  }
  // Round to nearest even on the bit pattern, as to_bf16 does: add 0x7fff plus the lowest kept
  // bit, then clear the 16 dropped bits. NaNs are passed through unchanged.
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i bias = _mm256_set1_epi32(0x7fff);
  const __m256i keep = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(src + i);
    const __m256i bits = _mm256_castps_si256(x);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), one);
    const __m256i rounded =
        _mm256_and_si256(_mm256_add_epi32(bits, _mm256_add_epi32(bias, lsb)), keep);
    const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    _mm256_storeu_ps(dst + i, _mm256_blendv_ps(_mm256_castsi256_ps(rounded), x, nan));
  }
  for (; i < n; ++i) dst[i] = round_bf16(src[i]);
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void tile_to_operand(
    bf16* dst, const float* src, int n) {
  for (int i = 0; i < n; i += 16) {
    const __mmask16 live = n - i >= 16 ? 0xffff : static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m256bh converted = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(live, src + i));
    _mm256_mask_storeu_epi16(dst + i, live, (__m256i)converted);
  }
}

}  // namespace longalign::model
