// Small helpers every kernel file shares: grid-stride loops and launch checks.
#pragma once

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>

#include "cuda/check.h"

namespace longalign::cuda {

inline constexpr int kThreads = 256;

// Blocks for an elementwise kernel over n items with grid-stride loops: enough to fill the GPU,
// never more than the items need.
inline unsigned grid_for(int64_t n) {
  return static_cast<unsigned>(std::clamp<int64_t>((n + kThreads - 1) / kThreads, 1, 65536));
}

// A launch's configuration errors surface at once; faults inside the kernel at the next
// synchronising call.
inline void check_launch(const char* kernel) {
  check(cudaGetLastError(), kernel);
}

#ifdef __CUDACC__
__device__ inline int64_t global_thread() {
  return int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
}
__device__ inline int64_t global_threads() {
  return int64_t{gridDim.x} * blockDim.x;
}
#endif

}  // namespace longalign::cuda
