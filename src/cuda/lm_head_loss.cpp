// Per chunk of n rows: logits[n, V] = x_chunk W^T; the softmax loss and, with gradients,
// dlogits in place; dx_chunk = dlogits W added back at the chunk's rows; dW += dlogits^T x_chunk.
#include "cuda/lm_head_loss.h"

#include <algorithm>

#include "cuda/cross_entropy.h"

namespace longalign::cuda {
namespace {

// 256 MiB of fp32 logits per chunk (2,048 rows of a 32k vocabulary), at least one row.
int64_t chunk_rows(int64_t V) {
  return std::max<int64_t>(1, (int64_t{64} << 20) / V);
}

}  // namespace

void lm_head_loss(Gemm& gemm, model::Precision precision, const DeviceLmHeadInput& in,
                  const DeviceLmHeadOutput& out, LmHeadScratch& scratch, cudaStream_t stream) {
  const int64_t C = in.C, V = in.V;
  const bool bf16 = precision == model::Precision::bf16;
  const DeviceOperand weight = bf16 ? plain(in.weight16, C) : plain(in.weight, C);
  const DeviceOperand weight_t = bf16 ? transposed(in.weight16, C) : transposed(in.weight, C);
  const bool gradients = out.dx || out.dweight;
  const int64_t chunk = std::min(chunk_rows(V), in.n_rows);
  scratch.x.reserve(chunk * C);
  scratch.logits.reserve(chunk * V);
  if (out.dx) scratch.dx.reserve(chunk * C);
  for (int64_t begin = 0; begin < in.n_rows; begin += chunk) {
    const int64_t n = std::min(chunk, in.n_rows - begin);
    const int32_t* rows = in.rows + begin;
    gather_rows(scratch.x.get(), in.x, rows, n, C, stream);
    gemm.matmul(precision, n, V, C, plain(scratch.x.get(), C), weight_t, scratch.logits.get(), V,
                false);
    softmax_cross_entropy(scratch.logits.get(), rows, in.targets, in.token_weights, n, V, gradients,
                          out.token_loss, out.weighted, out.correct, stream);
    if (out.dx) {
      gemm.matmul(precision, n, C, V, plain(scratch.logits.get(), V), weight, scratch.dx.get(), C,
                  false);
      scatter_add_rows(out.dx, scratch.dx.get(), rows, n, C, stream);
    }
    if (out.dweight) {
      gemm.matmul(precision, V, C, n, transposed(scratch.logits.get(), V),
                  plain(scratch.x.get(), C), out.dweight, C, true);
    }
  }
}

}  // namespace longalign::cuda
