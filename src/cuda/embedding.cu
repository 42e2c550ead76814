#include "cuda/embedding.h"
#include "cuda/launch.h"

namespace longalign::cuda {
namespace {

__global__ void embedding_forward_kernel(float* out, const int32_t* tokens, const float* table,
                                         int64_t T, int64_t C) {
  for (int64_t i = global_thread(); i < T * C; i += global_threads()) {
    const int64_t t = i / C, c = i % C;
    out[i] = table[int64_t{tokens[t]} * C + c];
  }
}

// One thread per column walks the tokens in order: a token that repeats adds into the same row,
// and the order of the additions (so the result) is fixed, unlike with atomics. Consecutive
// threads take consecutive columns, so every step reads and writes whole rows coalesced.
__global__ void embedding_backward_kernel(float* dtable, const float* dout, const int32_t* tokens,
                                          int64_t T, int64_t C) {
  const int64_t c = global_thread();
  if (c >= C) return;
  for (int64_t t = 0; t < T; ++t) dtable[int64_t{tokens[t]} * C + c] += dout[t * C + c];
}

}  // namespace

void embedding_forward(float* out, const int32_t* tokens, const float* table, int64_t T, int64_t C,
                       cudaStream_t stream) {
  embedding_forward_kernel<<<grid_for(T * C), kThreads, 0, stream>>>(out, tokens, table, T, C);
  check_launch("embedding_forward");
}

void embedding_backward(float* dtable, const float* dout, const int32_t* tokens, int64_t T,
                        int64_t C, cudaStream_t stream) {
  const auto blocks = static_cast<unsigned>((C + kThreads - 1) / kThreads);
  embedding_backward_kernel<<<blocks, kThreads, 0, stream>>>(dtable, dout, tokens, T, C);
  check_launch("embedding_backward");
}

}  // namespace longalign::cuda
