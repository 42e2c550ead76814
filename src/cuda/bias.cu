#include "cuda/bias.h"
#include "cuda/launch.h"

namespace longalign::cuda {
namespace {

__global__ void add_bias_kernel(float* y, const float* b, int64_t T, int64_t n) {
  for (int64_t i = global_thread(); i < T * n; i += global_threads()) y[i] += b[i % n];
}

}  // namespace

void add_bias(float* y, const float* b, int64_t T, int64_t n, cudaStream_t stream) {
  if (T * n == 0) return;
  add_bias_kernel<<<grid_for(T * n), kThreads, 0, stream>>>(y, b, T, n);
  check_launch("add_bias");
}

}  // namespace longalign::cuda
