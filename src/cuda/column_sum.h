// Column sums over token rows in a fixed order, for the gradients of per-column weights (RMSNorm's
// weight, biases): rows are summed in chunks, then the chunks in order, with no atomics, so the
// result is the same in every run.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace longalign::cuda {

// out[c] += sum_t dy[t,c] * (x ? x[t,c] * rstd[t] : 1) over t in [0, T); dy, x: [T, C].
// `scratch` holds column_sum_scratch(T, C) floats.
void add_column_sums(float* out, const float* dy, const float* x, const float* rstd, int64_t T,
                     int64_t C, float* scratch, cudaStream_t stream);
int64_t column_sum_scratch(int64_t T, int64_t C);

}  // namespace longalign::cuda
