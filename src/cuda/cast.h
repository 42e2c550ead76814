// fp32 to bf16 (round to nearest even, as model::to_bf16) on the GPU.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <cstdint>

namespace longalign::cuda {

void to_bf16(__nv_bfloat16* dst, const float* src, int64_t n, cudaStream_t stream);

}  // namespace longalign::cuda
