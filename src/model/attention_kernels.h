// Attention's tile micro-kernels, internal to attention.cpp (and its tests and benchmark).
//
// Every product of the tiled attention is C[M,N] (+)= A[M,K] B[K,N] between small tiles: A is a
// row-major operand, B is packed so that the reduction dimension K runs down its rows. Two
// implementations:
//   generic:     fp32 FMA on AVX2 (any x86-64-v3 CPU). A and B are fp32, B is [K][ldb]; in bf16
//                mode the caller stores bf16-rounded values in them, so the products see the same
//                operands as on the fast path.
//   avx512_bf16: vdpbf16ps. A and B are bf16, B is "pair-interleaved": [K/2][ldb][2], the two
//                consecutive K values of each column side by side, which is the operand layout of
//                vdpbf16ps (a 32-bit pair of A broadcast, times 16 pairs of B, summed into 16
//                fp32 accumulators). Measured per core on 64 x 64 x 64 tiles: 360-400 GFLOP/s
//                on AMD Zen (this machine) against 80-100 for generic; but on an Intel Xeon
//                with AMX (Sapphire Rapids class) vdpbf16ps ran no faster than generic (84
//                against 81): AMX tiles would be that CPU's fast path.
#pragma once

#include <cstdint>

#include "model/bf16.h"
#include "model/precision.h"

namespace longalign::model {

// Which implementation attention uses for its tile products.
enum class AttentionKernel { generic, avx512_bf16 };

// The implementation attention_forward/backward will run in `precision`: avx512_bf16 in bf16 mode
// when the CPU has it (and it is not forced off), generic otherwise.
AttentionKernel attention_kernel(Precision precision);
const char* attention_kernel_name(AttentionKernel kernel);

// Makes attention use the generic kernels even where the CPU has AVX-512 BF16, so tests and the
// benchmark can run both paths on one machine. Not thread-safe: set it between calls.
void force_generic_attention_kernel(bool force);

// C[M,N] (+)= A[M,K] B[K,N] in fp32. A: [M][lda]; B: [K][ldb]; N a multiple of 16.
void tile_matmul_f32(int M, int N, int K, const float* a, int lda, const float* b, int ldb,
                     float* c, int ldc, bool accumulate);

// C[M,N] (+)= A[M,K] B[K,N], bf16 operands, fp32 accumulation. A: [M][lda] bf16; B: pair-
// interleaved [K/2][ldb][2]; M a multiple of 4, N a multiple of 16, K even. Needs avx512_bf16.
void tile_matmul_bf16(int M, int N, int K, const bf16* a, int lda, const bf16* b, int ldb, float* c,
                      int ldc, bool accumulate);

// dst[i] = round_bf16(src[i]), or a plain copy when `round` is false: the generic path's operand.
void tile_to_operand(float* dst, const float* src, int n, bool round);

// dst[i] = to_bf16(src[i]) with vcvtneps2bf16. Needs avx512_bf16.
void tile_to_operand(bf16* dst, const float* src, int n);

}  // namespace longalign::model
