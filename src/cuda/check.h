// Failures of the CUDA runtime and of cuBLASLt as longalign Errors that name the call.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime_api.h>

namespace longalign::cuda {

void check(cudaError_t status, const char* call);
void check(cublasStatus_t status, const char* call);

}  // namespace longalign::cuda

// The call's own text goes into the message, so a failure says which call failed.
#define LONGALIGN_CUDA_CHECK(call) ::longalign::cuda::check((call), #call)
