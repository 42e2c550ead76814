#include "cuda/cast.h"
#include "cuda/launch.h"

namespace longalign::cuda {
namespace {

__global__ void to_bf16_kernel(__nv_bfloat16* dst, const float* src, int64_t n) {
  for (int64_t i = global_thread(); i < n; i += global_threads())
    dst[i] = __float2bfloat16_rn(src[i]);
}

}  // namespace

void to_bf16(__nv_bfloat16* dst, const float* src, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  to_bf16_kernel<<<grid_for(n), kThreads, 0, stream>>>(dst, src, n);
  check_launch("to_bf16");
}

}  // namespace longalign::cuda
