// cuBLASLt is column-major; a row-major C[M,N] is the column-major matrix C^T[N,M], and
// C^T = B^T A^T. So the product cuBLASLt computes has B's side first (m = N) and A's second
// (n = M), each operand's memory read as a column-major matrix:
//   a plain       row-major [M,K] = column-major [K,M] = A^T          -> no transpose
//   a transposed  row-major [K,M] = column-major [M,K] = A            -> transpose
//   b plain       row-major [K,N] = column-major [N,K] = B^T          -> no transpose
//   b transposed  row-major [N,K] = column-major [K,N] = B            -> transpose
#include "cuda/gemm.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "cuda/cast.h"
#include "cuda/check.h"
#include "cuda/cublaslt.h"

namespace longalign::cuda {
namespace {

constexpr int64_t kWorkspaceBytes = int64_t{32} << 20;

// The largest power of two (up to 256) dividing the address: the alignment cuBLASLt may assume.
unsigned alignment_of(const void* p) {
  const auto address = reinterpret_cast<uintptr_t>(p);
  unsigned a = 256;
  while (a > 1 && address % a != 0) a /= 2;
  return a;
}

// RAII for the descriptors of one call.
struct Descriptors {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulPreference_t preference = nullptr;
  ~Descriptors() {
    if (preference) cublaslt().preference_destroy(preference);
    if (c) cublaslt().layout_destroy(c);
    if (b) cublaslt().layout_destroy(b);
    if (a) cublaslt().layout_destroy(a);
    if (op) cublaslt().desc_destroy(op);
  }
};

void set_alignment(cublasLtMatmulPreference_t pref, cublasLtMatmulPreferenceAttributes_t which,
                   uint32_t bytes) {
  LONGALIGN_CUDA_CHECK(cublaslt().preference_set(pref, which, &bytes, sizeof bytes));
}

}  // namespace

Gemm::Gemm(cudaStream_t stream) : stream_(stream), workspace_(kWorkspaceBytes) {
  LONGALIGN_CUDA_CHECK(cublaslt().create(&handle_));
}

Gemm::~Gemm() {
  if (handle_) cublaslt().destroy(handle_);
}

const __nv_bfloat16* Gemm::as_bf16(const DeviceOperand& op, int64_t stored_rows,
                                   DeviceBuffer<__nv_bfloat16>& scratch) {
  if (op.b16) return op.b16;
  const int64_t n = stored_rows * op.ld;
  scratch.reserve(n);
  to_bf16(scratch.get(), op.f32, n, stream_);
  return scratch.get();
}

void Gemm::matmul(model::Precision precision, int64_t M, int64_t N, int64_t K,
                  const DeviceOperand& a, const DeviceOperand& b, float* c, int64_t ldc,
                  bool accumulate) {
  if (M == 0 || N == 0) return;
  const bool bf16 = precision == model::Precision::bf16;
  if (!bf16 && (!a.f32 || !b.f32)) throw Error("fp32 products need fp32 operands");
  // Stored rows of each operand's memory (row-major): see the table at the top.
  const void* pa = bf16 ? static_cast<const void*>(as_bf16(a, a.transposed ? K : M, scratch_a_))
                        : static_cast<const void*>(a.f32);
  const void* pb = bf16 ? static_cast<const void*>(as_bf16(b, b.transposed ? N : K, scratch_b_))
                        : static_cast<const void*>(b.f32);
  const cudaDataType_t in_type = bf16 ? CUDA_R_16BF : CUDA_R_32F;

  Descriptors d;
  LONGALIGN_CUDA_CHECK(cublaslt().desc_create(&d.op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  // cuBLASLt's first operand is b, its second a.
  const cublasOperation_t op_first = b.transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_second = a.transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  LONGALIGN_CUDA_CHECK(
      cublaslt().desc_set(d.op, CUBLASLT_MATMUL_DESC_TRANSA, &op_first, sizeof op_first));
  LONGALIGN_CUDA_CHECK(
      cublaslt().desc_set(d.op, CUBLASLT_MATMUL_DESC_TRANSB, &op_second, sizeof op_second));
  // Column-major shapes of the memory: first [N,K] (plain) or [K,N]; second [K,M] or [M,K].
  LONGALIGN_CUDA_CHECK(
      cublaslt().layout_create(&d.a, in_type, b.transposed ? K : N, b.transposed ? N : K, b.ld));
  LONGALIGN_CUDA_CHECK(
      cublaslt().layout_create(&d.b, in_type, a.transposed ? M : K, a.transposed ? K : M, a.ld));
  LONGALIGN_CUDA_CHECK(cublaslt().layout_create(&d.c, CUDA_R_32F, N, M, ldc));

  const unsigned align_first = alignment_of(pb), align_second = alignment_of(pa);
  const unsigned align_c = alignment_of(c);
  const Key key{
      bf16,         M,      N, K, a.ld, b.ld, ldc, a.transposed, b.transposed, align_first,
      align_second, align_c};
  auto found = algos_.find(key);
  if (found == algos_.end()) {
    LONGALIGN_CUDA_CHECK(cublaslt().preference_create(&d.preference));
    const uint64_t workspace = static_cast<uint64_t>(workspace_.size());
    LONGALIGN_CUDA_CHECK(cublaslt().preference_set(
        d.preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof workspace));
    set_alignment(d.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, align_first);
    set_alignment(d.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, align_second);
    set_alignment(d.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, align_c);
    set_alignment(d.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, align_c);
    cublasLtMatmulHeuristicResult_t result{};
    int count = 0;
    LONGALIGN_CUDA_CHECK(
        cublaslt().heuristic(handle_, d.op, d.a, d.b, d.c, d.c, d.preference, 1, &result, &count));
    if (count == 0) {
      throw Error("cuBLASLt has no algorithm for a " + std::to_string(M) + "x" + std::to_string(N) +
                  "x" + std::to_string(K) + " product");
    }
    found = algos_.emplace(key, result.algo).first;
  }
  const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  LONGALIGN_CUDA_CHECK(cublaslt().matmul(handle_, d.op, &alpha, pb, d.a, pa, d.b, &beta, c, d.c, c,
                                         d.c, &found->second, workspace_.get(),
                                         static_cast<size_t>(workspace_.size()), stream_));
}

}  // namespace longalign::cuda
