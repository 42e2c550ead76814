// Matrix products on cuBLASLt, in model::matmul's row-major terms: fp32, or bf16 inputs with fp32
// accumulation and an fp32 result. In bf16 mode an fp32 operand is rounded into scratch first;
// the engine passes its bf16 weight copy directly.
#pragma once

#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <map>
#include <tuple>

#include "cuda/device_memory.h"
#include "model/precision.h"

namespace longalign::cuda {

// A row-major matrix operand as the product sees it (rows x cols), stored with leading dimension
// `ld`; `transposed` means the memory holds the transpose. Exactly one of f32, b16 is set.
struct DeviceOperand {
  const float* f32 = nullptr;
  const __nv_bfloat16* b16 = nullptr;
  int64_t ld = 0;
  bool transposed = false;
};

inline DeviceOperand plain(const float* p, int64_t ld) {
  return {p, nullptr, ld, false};
}
inline DeviceOperand transposed(const float* p, int64_t ld) {
  return {p, nullptr, ld, true};
}
inline DeviceOperand plain(const __nv_bfloat16* p, int64_t ld) {
  return {nullptr, p, ld, false};
}
inline DeviceOperand transposed(const __nv_bfloat16* p, int64_t ld) {
  return {nullptr, p, ld, true};
}

class Gemm {
 public:
  explicit Gemm(cudaStream_t stream);
  ~Gemm();
  Gemm(const Gemm&) = delete;
  Gemm& operator=(const Gemm&) = delete;

  // C[M,N] (leading dimension ldc, fp32) = A[M,K] B[K,N] (+ C when accumulate). fp32 mode needs
  // fp32 operands and computes in fp32 (no TF32).
  void matmul(model::Precision precision, int64_t M, int64_t N, int64_t K, const DeviceOperand& a,
              const DeviceOperand& b, float* c, int64_t ldc, bool accumulate);

  int64_t workspace_bytes() const { return workspace_.size(); }

 private:
  const __nv_bfloat16* as_bf16(const DeviceOperand& op, int64_t stored_rows,
                               DeviceBuffer<__nv_bfloat16>& scratch);

  // The algorithm cuBLASLt's heuristic picked for one shape, layout and alignment: asked once.
  using Key = std::tuple<int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, bool, bool,
                         unsigned, unsigned, unsigned>;
  std::map<Key, cublasLtMatmulAlgo_t> algos_;
  cudaStream_t stream_;
  cublasLtHandle_t handle_ = nullptr;
  DeviceBuffer<uint8_t> workspace_;
  DeviceBuffer<__nv_bfloat16> scratch_a_, scratch_b_;
};

}  // namespace longalign::cuda
