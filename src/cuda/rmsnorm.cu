// One block per token row (a block-wide sum of squares, or of g·x); the weight gradient is a
// column sum in a fixed order (column_sum.h), so it is the same in every run.
#include "cuda/column_sum.h"
#include "cuda/launch.h"
#include "cuda/rmsnorm.h"

namespace longalign::cuda {
namespace {

// The sum of v over the block's threads, returned to every thread.
__device__ float block_sum(float v) {
  __shared__ float warp_sums[32];
  for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();  // warp_sums may still be read by the previous call
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  const int warps = (blockDim.x + 31) / 32;
  v = lane < warps ? warp_sums[lane] : 0.0f;
  for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

//   rstd[t] = 1 / sqrt(mean_c(x[t,c]^2) + eps);  out[t,c] = x[t,c] * rstd[t] * w[c]
__global__ void rmsnorm_forward_kernel(float* out, float* rstd, const float* x, const float* w,
                                       int64_t C, float eps) {
  const int64_t t = blockIdx.x;
  const float* xt = x + t * C;
  float sum = 0.0f;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) sum += xt[c] * xt[c];
  const float r = rsqrtf(block_sum(sum) / static_cast<float>(C) + eps);
  if (threadIdx.x == 0) rstd[t] = r;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) out[t * C + c] = xt[c] * r * w[c];
}

//   dx_i += r * (g_i - x_i * r^2 * mean_j(g_j x_j)),  g = w * dy
__global__ void rmsnorm_dx_kernel(float* dx, const float* dout, const float* x, const float* w,
                                  const float* rstd, int64_t C) {
  const int64_t t = blockIdx.x;
  const float* xt = x + t * C;
  const float* dyt = dout + t * C;
  const float r = rstd[t];
  float dot = 0.0f;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) dot += w[c] * dyt[c] * xt[c];
  const float correction = r * r * block_sum(dot) / static_cast<float>(C);
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
    dx[t * C + c] += r * (w[c] * dyt[c] - xt[c] * correction);
  }
}

unsigned row_threads(int64_t C) {
  return C >= 1024 ? 512u : C >= 256 ? 256u : 128u;
}

}  // namespace

void rmsnorm_forward(float* out, float* rstd, const float* x, const float* weight, int64_t T,
                     int64_t C, float eps, cudaStream_t stream) {
  if (T == 0) return;
  rmsnorm_forward_kernel<<<static_cast<unsigned>(T), row_threads(C), 0, stream>>>(out, rstd, x,
                                                                                  weight, C, eps);
  check_launch("rmsnorm_forward");
}

void rmsnorm_backward(float* dx, float* dweight, const float* dout, const float* x,
                      const float* weight, const float* rstd, int64_t T, int64_t C, float* scratch,
                      cudaStream_t stream) {
  if (T == 0) return;
  rmsnorm_dx_kernel<<<static_cast<unsigned>(T), row_threads(C), 0, stream>>>(dx, dout, x, weight,
                                                                             rstd, C);
  check_launch("rmsnorm_dx");
  add_column_sums(dweight, dout, x, rstd, T, C, scratch, stream);
}

}  // namespace longalign::cuda
