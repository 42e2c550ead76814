#include "cuda/launch.h"
#include "cuda/rope.h"

namespace longalign::cuda {
namespace {

// One thread per (token, head, pair): (a, b) <- (a cos - b sin, b cos + a sin), the angle computed
// as the CPU engine does (fp32 position times fp32 frequency; accurate cosf and sinf).
__global__ void rope_kernel(float* x, int64_t ld, const int32_t* positions, int64_t T,
                            int64_t heads, int64_t head_dim, DeviceRope rope, float sign) {
  const int64_t pairs = rope.rotary_dim / 2;
  const int64_t first_stride = rope.interleaved ? 2 : 1;
  const int64_t second_offset = rope.interleaved ? 1 : pairs;
  for (int64_t i = global_thread(); i < T * heads * pairs; i += global_threads()) {
    const int64_t t = i / (heads * pairs), h = i / pairs % heads, p = i % pairs;
    const float angle = static_cast<float>(positions[t]) * rope.inv_freq[p];
    const float c = cosf(angle) * rope.attention_scale;
    const float s = sign * sinf(angle) * rope.attention_scale;
    float* head = x + t * ld + h * head_dim;
    const float a = head[p * first_stride], b = head[p * first_stride + second_offset];
    head[p * first_stride] = a * c - b * s;
    head[p * first_stride + second_offset] = b * c + a * s;
  }
}

}  // namespace

void rope_rotate(float* x, int64_t ld, const int32_t* positions, int64_t T, int64_t heads,
                 int64_t head_dim, const DeviceRope& rope, float sign, cudaStream_t stream) {
  const int64_t n = T * heads * (rope.rotary_dim / 2);
  if (n == 0) return;
  rope_kernel<<<grid_for(n), kThreads, 0, stream>>>(x, ld, positions, T, heads, head_dim, rope,
                                                    sign);
  check_launch("rope");
}

}  // namespace longalign::cuda
