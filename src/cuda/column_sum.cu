#include "cuda/column_sum.h"
#include "cuda/launch.h"

namespace longalign::cuda {
namespace {

constexpr int64_t kRowsPerChunk = 256;

// partial[chunk, c] = sum over the chunk's rows of dy[t,c] * (x ? x[t,c] * rstd[t] : 1).
__global__ void column_partials_kernel(float* partial, const float* dy, const float* x,
                                       const float* rstd, int64_t T, int64_t C) {
  const int64_t c = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (c >= C) return;
  const int64_t begin = int64_t{blockIdx.y} * kRowsPerChunk;
  const int64_t end = min(T, begin + kRowsPerChunk);
  float sum = 0.0f;
  for (int64_t t = begin; t < end; ++t) {
    sum += x ? dy[t * C + c] * x[t * C + c] * rstd[t] : dy[t * C + c];
  }
  partial[int64_t{blockIdx.y} * C + c] = sum;
}

__global__ void add_chunks_kernel(float* out, const float* partial, int64_t chunks, int64_t C) {
  const int64_t c = global_thread();
  if (c >= C) return;
  float sum = 0.0f;
  for (int64_t k = 0; k < chunks; ++k) sum += partial[k * C + c];
  out[c] += sum;
}

}  // namespace

int64_t column_sum_scratch(int64_t T, int64_t C) {
  return (T + kRowsPerChunk - 1) / kRowsPerChunk * C;
}

void add_column_sums(float* out, const float* dy, const float* x, const float* rstd, int64_t T,
                     int64_t C, float* scratch, cudaStream_t stream) {
  if (T == 0) return;
  const int64_t chunks = (T + kRowsPerChunk - 1) / kRowsPerChunk;
  const dim3 grid(static_cast<unsigned>((C + 127) / 128), static_cast<unsigned>(chunks));
  column_partials_kernel<<<grid, 128, 0, stream>>>(scratch, dy, x, rstd, T, C);
  check_launch("column_partials");
  add_chunks_kernel<<<static_cast<unsigned>((C + 127) / 128), 128, 0, stream>>>(out, scratch,
                                                                                chunks, C);
  check_launch("add_chunks");
}

}  // namespace longalign::cuda
