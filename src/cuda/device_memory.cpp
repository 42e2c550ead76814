#include "cuda/device_memory.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <string>

#include "core/error.h"

namespace longalign::cuda {
namespace {

// The engine runs on the main thread only, so plain counters suffice.
int64_t in_use = 0, peak = 0;

}  // namespace

void* device_alloc(int64_t bytes) {
  if (bytes <= 0) return nullptr;
  void* p = nullptr;
  const cudaError_t status = cudaMalloc(&p, static_cast<size_t>(bytes));
  if (status != cudaSuccess) {
    size_t free = 0, total = 0;
    cudaMemGetInfo(&free, &total);
    throw Error("CUDA: cannot allocate " + std::to_string(bytes >> 20) + " MiB on the GPU (" +
                std::to_string(free >> 20) + " MiB free of " + std::to_string(total >> 20) + "): " +
                cudaGetErrorString(status) + "; a shorter pack or --recompute on needs less");
  }
  in_use += bytes;
  peak = std::max(peak, in_use);
  return p;
}

void device_free(void* p, int64_t bytes) {
  if (!p) return;
  cudaFree(p);
  in_use -= bytes;
}

int64_t device_bytes_in_use() {
  return in_use;
}

int64_t device_bytes_peak() {
  return peak;
}

}  // namespace longalign::cuda
