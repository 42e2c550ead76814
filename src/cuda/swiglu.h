// SwiGLU on the GPU, forward and backward (model/swiglu.h's math and layout).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace longalign::cuda {

// gate_up: [T, 2I] (gate columns, then up); out: [T, I]. out = silu(gate) * up.
void swiglu_forward(float* out, const float* gate_up, int64_t T, int64_t I, cudaStream_t stream);

// dgate_up [T, 2I] is written from dout [T, I] and the forward's gate_up.
void swiglu_backward(float* dgate_up, const float* dout, const float* gate_up, int64_t T, int64_t I,
                     cudaStream_t stream);

}  // namespace longalign::cuda
