// Token embedding on the GPU: a lookup forward, a scatter-add backward (deterministic).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace longalign::cuda {

// tokens: [T] (checked by the caller); table: [V, C]; out: [T, C]. out[t] = table[tokens[t]].
void embedding_forward(float* out, const int32_t* tokens, const float* table, int64_t T, int64_t C,
                       cudaStream_t stream);

// dtable[tokens[t]] += dout[t] for every t, each column summed over t in order.
void embedding_backward(float* dtable, const float* dout, const int32_t* tokens, int64_t T,
                        int64_t C, cudaStream_t stream);

}  // namespace longalign::cuda
