#include "cuda/adamw.h"
#include "cuda/launch.h"

namespace longalign::cuda {
namespace {

constexpr int64_t kNormChunk = int64_t{1} << 16;
constexpr int kNormThreads = 256;

__device__ int find_run(const DecayRun* runs, int num_runs, int64_t i) {
  int lo = 0, hi = num_runs - 1;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (runs[mid].end > i) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

__global__ void adamw_kernel(float* p, __nv_bfloat16* p16, const float* g, float* m, float* v,
                             int64_t n, const DecayRun* runs, int num_runs, AdamWStep s) {
  for (int64_t i = global_thread(); i < n; i += global_threads()) {
    const float decay = runs[find_run(runs, num_runs, i)].decay ? s.decay_scale : 1.0f;
    const float gi = g[i];
    const float mi = s.beta1 * m[i] + (1.0f - s.beta1) * gi;
    const float vi = s.beta2 * v[i] + (1.0f - s.beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const float pi = p[i] * decay - s.step_size * mi / (sqrtf(vi) * s.v_scale + s.eps);
    p[i] = pi;
    p16[i] = __float2bfloat16_rn(pi);
  }
}

// Block b sums the squares of chunk b in a fixed tree.
__global__ void chunk_squares_kernel(double* partial, const float* g, int64_t n) {
  __shared__ double sums[kNormThreads];
  const int64_t begin = int64_t{blockIdx.x} * kNormChunk;
  const int64_t end = min(n, begin + kNormChunk);
  double s = 0.0;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) s += double(g[i]) * g[i];
  sums[threadIdx.x] = s;
  __syncthreads();
  for (int stride = kNormThreads / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) sums[threadIdx.x] += sums[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[blockIdx.x] = sums[0];
}

__global__ void add_partials_kernel(double* result, const double* partial, int64_t count) {
  double s = 0.0;
  for (int64_t i = 0; i < count; ++i) s += partial[i];
  *result = s;
}

__global__ void scale_kernel(float* g, int64_t n, float factor) {
  for (int64_t i = global_thread(); i < n; i += global_threads()) g[i] *= factor;
}

}  // namespace

void adamw_update(float* p, __nv_bfloat16* p16, const float* g, float* m, float* v, int64_t n,
                  const DecayRun* runs, int num_runs, const AdamWStep& step, cudaStream_t stream) {
  if (n == 0) return;
  adamw_kernel<<<grid_for(n), kThreads, 0, stream>>>(p, p16, g, m, v, n, runs, num_runs, step);
  check_launch("adamw");
}

int64_t norm_partials(int64_t n) {
  return (n + kNormChunk - 1) / kNormChunk;
}

void sum_of_squares(double* result, const float* g, int64_t n, double* partial,
                    cudaStream_t stream) {
  const int64_t chunks = norm_partials(n);
  if (chunks > 0) {
    chunk_squares_kernel<<<static_cast<unsigned>(chunks), kNormThreads, 0, stream>>>(partial, g, n);
    check_launch("chunk_squares");
  }
  add_partials_kernel<<<1, 1, 0, stream>>>(result, partial, chunks);
  check_launch("add_partials");
}

void scale_in_place(float* g, int64_t n, float factor, cudaStream_t stream) {
  if (n == 0) return;
  scale_kernel<<<grid_for(n), kThreads, 0, stream>>>(g, n, factor);
  check_launch("scale");
}

}  // namespace longalign::cuda
