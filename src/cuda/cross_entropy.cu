#include "cuda/cross_entropy.h"
#include "cuda/launch.h"

namespace longalign::cuda {
namespace {

constexpr int kRowThreads = 512;

__global__ void gather_rows_kernel(float* dst, const float* x, const int32_t* rows, int64_t n,
                                   int64_t C) {
  for (int64_t i = global_thread(); i < n * C; i += global_threads()) {
    dst[i] = x[int64_t{rows[i / C]} * C + i % C];
  }
}

__global__ void scatter_add_rows_kernel(float* dst, const float* src, const int32_t* rows,
                                        int64_t n, int64_t C) {
  for (int64_t i = global_thread(); i < n * C; i += global_threads()) {
    dst[int64_t{rows[i / C]} * C + i % C] += src[i];
  }
}

// Block-wide reductions (max or sum), the result returned to every thread.
template <bool kMax>
__device__ float block_reduce(float v) {
  __shared__ float partial[kRowThreads / 32];
  for (int o = 16; o > 0; o /= 2) {
    const float other = __shfl_xor_sync(0xffffffffu, v, o);
    v = kMax ? fmaxf(v, other) : v + other;
  }
  __syncthreads();  // partial may still be read by the previous reduction
  if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;
  __syncthreads();
  v = partial[0];
  for (int w = 1; w < kRowThreads / 32; ++w) v = kMax ? fmaxf(v, partial[w]) : v + partial[w];
  return v;
}

// One block per row. The sum of exponentials is reduced in a fixed tree, so it is the same in
// every run.
__global__ void __launch_bounds__(kRowThreads)
    softmax_cross_entropy_kernel(float* logits, const int32_t* rows, const int32_t* targets,
                                 const float* token_weights, int64_t V, bool gradients, float* loss,
                                 float* weighted, uint8_t* correct) {
  const int64_t r = blockIdx.x, t = rows[r];
  float* row = logits + r * V;
  const int32_t y = targets[t];
  const float w = token_weights[t];
  float m = -INFINITY;
  for (int64_t v = threadIdx.x; v < V; v += blockDim.x) m = fmaxf(m, row[v]);
  m = block_reduce<true>(m);
  float sum = 0.0f;
  for (int64_t v = threadIdx.x; v < V; v += blockDim.x) sum += expf(row[v] - m);
  sum = block_reduce<false>(sum);
  const float target_logit = row[y];
  if (threadIdx.x == 0) {
    const float token_loss = m + logf(sum) - target_logit;
    loss[t] = token_loss;
    weighted[t] = w * token_loss;
    correct[t] = target_logit >= m;
  }
  if (!gradients) return;
  __syncthreads();  // every thread has read row[y]
  const float scale = w / sum;
  for (int64_t v = threadIdx.x; v < V; v += blockDim.x) {
    row[v] = expf(row[v] - m) * scale - (v == y ? w : 0.0f);
  }
}

}  // namespace

void gather_rows(float* dst, const float* x, const int32_t* rows, int64_t n, int64_t C,
                 cudaStream_t stream) {
  if (n * C == 0) return;
  gather_rows_kernel<<<grid_for(n * C), kThreads, 0, stream>>>(dst, x, rows, n, C);
  check_launch("gather_rows");
}

void scatter_add_rows(float* dst, const float* src, const int32_t* rows, int64_t n, int64_t C,
                      cudaStream_t stream) {
  if (n * C == 0) return;
  scatter_add_rows_kernel<<<grid_for(n * C), kThreads, 0, stream>>>(dst, src, rows, n, C);
  check_launch("scatter_add_rows");
}

void softmax_cross_entropy(float* logits, const int32_t* rows, const int32_t* targets,
                           const float* token_weights, int64_t n, int64_t V, bool gradients,
                           float* loss, float* weighted, uint8_t* correct, cudaStream_t stream) {
  if (n == 0) return;
  softmax_cross_entropy_kernel<<<static_cast<unsigned>(n), kRowThreads, 0, stream>>>(
      logits, rows, targets, token_weights, V, gradients, loss, weighted, correct);
  check_launch("softmax_cross_entropy");
}

}  // namespace longalign::cuda
