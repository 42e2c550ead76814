#include "cuda/launch.h"
#include "cuda/swiglu.h"

namespace longalign::cuda {
namespace {

__device__ float sigmoid(float x) {
  return 1.0f / (1.0f + expf(-x));
}

//   out = g s(g) u
__global__ void swiglu_forward_kernel(float* out, const float* gate_up, int64_t T, int64_t I) {
  for (int64_t i = global_thread(); i < T * I; i += global_threads()) {
    const int64_t t = i / I, j = i % I;
    const float g = gate_up[t * 2 * I + j], u = gate_up[t * 2 * I + I + j];
    out[i] = g * sigmoid(g) * u;
  }
}

//   d/du = g s;  d/dg = u s (1 + g (1 - s))
__global__ void swiglu_backward_kernel(float* dgate_up, const float* dout, const float* gate_up,
                                       int64_t T, int64_t I) {
  for (int64_t i = global_thread(); i < T * I; i += global_threads()) {
    const int64_t t = i / I, j = i % I;
    const float g = gate_up[t * 2 * I + j], u = gate_up[t * 2 * I + I + j];
    const float s = sigmoid(g), dy = dout[i];
    dgate_up[t * 2 * I + j] = dy * u * s * (1.0f + g * (1.0f - s));
    dgate_up[t * 2 * I + I + j] = dy * g * s;
  }
}

}  // namespace

void swiglu_forward(float* out, const float* gate_up, int64_t T, int64_t I, cudaStream_t stream) {
  if (T * I == 0) return;
  swiglu_forward_kernel<<<grid_for(T * I), kThreads, 0, stream>>>(out, gate_up, T, I);
  check_launch("swiglu_forward");
}

void swiglu_backward(float* dgate_up, const float* dout, const float* gate_up, int64_t T, int64_t I,
                     cudaStream_t stream) {
  if (T * I == 0) return;
  swiglu_backward_kernel<<<grid_for(T * I), kThreads, 0, stream>>>(dgate_up, dout, gate_up, T, I);
  check_launch("swiglu_backward");
}

}  // namespace longalign::cuda
