#include "cuda/check.h"

#include <string>

#include "core/error.h"

namespace longalign::cuda {

void check(cudaError_t status, const char* call) {
  if (status == cudaSuccess) return;
  throw Error(std::string("CUDA: ") + call + ": " + cudaGetErrorName(status) + " (" +
              cudaGetErrorString(status) + ")");
}

void check(cublasStatus_t status, const char* call) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw Error(std::string("cuBLASLt: ") + call + ": status " + std::to_string(int(status)));
}

}  // namespace longalign::cuda
