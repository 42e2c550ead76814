// Matrix products through oneDNN: fp32, or bf16 inputs with fp32 accumulation (AMX or AVX-512 BF16
// where the CPU has them). Primitives are created once per shape and cached.
#pragma once

#include <cstdint>

#include "model/bf16.h"
#include "model/precision.h"

namespace longalign::model {

// A row-major matrix operand: `rows` x `cols` as the product sees it, stored with leading
// dimension `ld`; `transposed` means the memory holds the transpose (cols x rows, row-major), so
// a weight W [N, K] enters y = x W^T as {W, transposed = true}. Exactly one of f32, b16 is set.
struct MatrixOperand {
  const float* f32 = nullptr;
  const bf16* b16 = nullptr;
  int64_t ld = 0;
  bool transposed = false;
};

inline MatrixOperand plain(const float* data, int64_t ld) {
  return {data, nullptr, ld, false};
}
inline MatrixOperand transposed(const float* data, int64_t ld) {
  return {data, nullptr, ld, true};
}
inline MatrixOperand plain(const bf16* data, int64_t ld) {
  return {nullptr, data, ld, false};
}
inline MatrixOperand transposed(const bf16* data, int64_t ld) {
  return {nullptr, data, ld, true};
}

// C[M,N] (leading dimension ldc) = A[M,K] B[K,N] + (accumulate ? C : 0).
// Precision::fp32 needs fp32 operands. Precision::bf16 rounds fp32 operands to bf16 (in scratch
// memory) and uses bf16 operands as they are. Runs on the OpenMP threads; thread-safe per call
// only from one caller at a time.
void matmul(Precision precision, int64_t M, int64_t N, int64_t K, const MatrixOperand& a,
            const MatrixOperand& b, float* c, int64_t ldc, bool accumulate);

// Which implementation oneDNN picked for the last bf16 product ("brg:avx512_core_amx", ...):
// bench step reports it.
const char* matmul_bf16_isa();

}  // namespace longalign::model
