#include "cuda/transformer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "cuda/check.h"
#include "cuda/column_sum.h"
#include "cuda/decoder_layer.h"
#include "cuda/embedding.h"
#include "cuda/rmsnorm.h"
#include "model/buffer_carver.h"
#include "model/rope.h"

namespace longalign::cuda {
namespace {

template <typename T>
void to_device(DeviceBuffer<T>& dst, const T* src, int64_t n, cudaStream_t stream) {
  dst.reserve(std::max<int64_t>(n, 1));
  if (n > 0) {
    LONGALIGN_CUDA_CHECK(
        cudaMemcpyAsync(dst.get(), src, sizeof(T) * n, cudaMemcpyHostToDevice, stream));
  }
}

// The device workspace of one run: as the CPU engine's, plus the column-sum and attention
// scratch of the backward.
struct Workspace {
  std::vector<float*> xs;  // L + 1 residual-stream buffers [T, C]
  float *lnf = nullptr, *dlnf = nullptr, *rstdf = nullptr, *dresid = nullptr;
  float *column_scratch = nullptr, *delta = nullptr;
  std::vector<model::LayerActivations> acts;
  model::LayerGradScratch scratch;
  int64_t floats = 0;
};

Workspace carve_workspace(float* base, const model::ModelConfig& m, int64_t T, int64_t act_sets,
                          bool backward) {
  model::BufferCarver c(base);
  Workspace w;
  for (int64_t l = 0; l <= m.layers; ++l) w.xs.push_back(c.take(T * m.hidden));
  w.lnf = c.take(T * m.hidden);
  w.rstdf = c.take(T);
  for (int64_t i = 0; i < act_sets; ++i) {
    w.acts.push_back(
        model::LayerActivations::at(c.take(model::LayerActivations::floats(m, T)), m, T));
  }
  if (backward) {
    w.dlnf = c.take(T * m.hidden);
    w.dresid = c.take(T * m.hidden);
    w.scratch = model::LayerGradScratch::at(c.take(model::LayerGradScratch::floats(m, T)), m, T);
    w.column_scratch = c.take(column_sum_scratch(T, std::max(m.hidden, m.qkv_dim())));
    w.delta = c.take(m.heads * T);
  }
  w.floats = c.used();
  return w;
}

}  // namespace

DeviceTransformer::DeviceTransformer(const model::ModelConfig& config, Gemm& gemm,
                                     cudaStream_t stream)
    : config_(config), gemm_(gemm), stream_(stream) {}

void DeviceTransformer::upload(const model::Batch& b) {
  const int64_t T = b.size();
  to_device(tokens_, b.tokens.data(), T, stream_);
  to_device(targets_, b.targets.data(), T, stream_);
  to_device(positions_, b.positions.data(), T, stream_);
  to_device(token_weights_, b.token_weights.data(), T, stream_);
  std::vector<int32_t> rows;
  for (int64_t t = 0; t < T; ++t) {
    if (b.targets[t] >= 0) rows.push_back(static_cast<int32_t>(t));
  }
  n_rows_ = static_cast<int64_t>(rows.size());
  to_device(rows_, rows.data(), n_rows_, stream_);
  const std::vector<AttentionTile> tiles = attention_tiles(b.cu_seqlens);
  n_tiles_ = static_cast<int64_t>(tiles.size());
  to_device(tiles_, tiles.data(), n_tiles_, stream_);
  // The host vectors above must live until the copies are done.
  LONGALIGN_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

double DeviceTransformer::run(const model::Batch& batch, const DeviceWeights& weights,
                              DeviceParameters* grads, const model::StepOptions& options,
                              float* token_loss, uint8_t* token_correct) {
  const model::ModelConfig& m = config_;
  model::check_batch(batch, m.vocab);
  const int64_t T = batch.size(), C = m.hidden, L = m.layers;
  const bool keep_all = grads && !model::recomputes(options, T);
  const int64_t act_sets = keep_all ? L : 1;
  upload(batch);

  Workspace w = carve_workspace(nullptr, m, T, act_sets, grads != nullptr);
  workspace_.reserve(w.floats);
  w = carve_workspace(workspace_.get(), m, T, act_sets, grads != nullptr);

  const model::RopeTable rope = model::make_rope_table(m, int64_t{batch.max_position()} + 1);
  to_device(inv_freq_, rope.inv_freq.data(), static_cast<int64_t>(rope.inv_freq.size()), stream_);
  const DeviceParameters& params = weights.f32;
  LayerContext ctx;
  ctx.config = &m;
  ctx.precision = options.precision;
  ctx.gemm = &gemm_;
  ctx.stream = stream_;
  ctx.weights = &weights;
  ctx.rope = {inv_freq_.get(), rope.rotary_dim, rope.interleaved, rope.attention_scale};
  ctx.positions = positions_.get();
  ctx.attention = {tiles_.get(),
                   n_tiles_,
                   T,
                   m.heads,
                   m.kv_heads,
                   m.head_dim,
                   static_cast<float>(1.0 / std::sqrt(double(m.head_dim)))};
  ctx.column_scratch = w.column_scratch;
  ctx.delta = w.delta;

  // Forward: x_0 = embed(tokens); x_{l+1} = layer_l(x_l); loss = lm_head_loss(rmsnorm(x_L)).
  embedding_forward(w.xs[0], tokens_.get(), params.embed, T, C, stream_);
  for (int64_t l = 0; l < L; ++l) {
    layer_forward(ctx, params.layers[l], w.xs[l], w.xs[l + 1], w.acts[keep_all ? l : 0]);
  }
  rmsnorm_forward(w.lnf, w.rstdf, w.xs[L], params.final_norm, T, C, static_cast<float>(m.rms_eps),
                  stream_);
  token_loss_.reserve(T);
  weighted_.reserve(T);
  correct_.reserve(T);
  LONGALIGN_CUDA_CHECK(cudaMemsetAsync(token_loss_.get(), 0, sizeof(float) * T, stream_));
  LONGALIGN_CUDA_CHECK(cudaMemsetAsync(weighted_.get(), 0, sizeof(float) * T, stream_));
  LONGALIGN_CUDA_CHECK(cudaMemsetAsync(correct_.get(), 0, T, stream_));
  DeviceLmHeadInput in{w.lnf,
                       params.lm_head,
                       weights.bf16_of(params.lm_head),
                       rows_.get(),
                       targets_.get(),
                       token_weights_.get(),
                       n_rows_,
                       T,
                       C,
                       m.vocab};
  DeviceLmHeadOutput out{token_loss_.get(), weighted_.get(), correct_.get(), nullptr, nullptr};
  if (grads) {
    LONGALIGN_CUDA_CHECK(cudaMemsetAsync(w.dlnf, 0, sizeof(float) * T * C, stream_));
    out.dx = w.dlnf;
    out.dweight = grads->lm_head;
  }
  lm_head_loss(gemm_, options.precision, in, out, lm_head_, stream_);

  if (grads) {
    // Backward, the residual stream's gradient flowing down through dresid.
    LONGALIGN_CUDA_CHECK(cudaMemsetAsync(w.dresid, 0, sizeof(float) * T * C, stream_));
    rmsnorm_backward(w.dresid, grads->final_norm, w.dlnf, w.xs[L], params.final_norm, w.rstdf, T, C,
                     w.column_scratch, stream_);
    for (int64_t l = L - 1; l >= 0; --l) {
      model::LayerActivations& a = w.acts[keep_all ? l : 0];
      // Recomputing refills the activations; its output lands in lnf, no longer needed.
      if (!keep_all) layer_forward(ctx, params.layers[l], w.xs[l], w.lnf, a);
      layer_backward(ctx, params.layers[l], grads->layers[l], w.xs[l], a, w.dresid, w.scratch);
    }
    embedding_backward(grads->embed, w.dresid, tokens_.get(), T, C, stream_);
  }

  // The loss, summed on the host in token order: the one transfer of a step besides the norm.
  std::vector<float> weighted(T);
  LONGALIGN_CUDA_CHECK(cudaMemcpyAsync(weighted.data(), weighted_.get(), sizeof(float) * T,
                                       cudaMemcpyDeviceToHost, stream_));
  if (token_loss) {
    LONGALIGN_CUDA_CHECK(cudaMemcpyAsync(token_loss, token_loss_.get(), sizeof(float) * T,
                                         cudaMemcpyDeviceToHost, stream_));
  }
  if (token_correct) {
    LONGALIGN_CUDA_CHECK(
        cudaMemcpyAsync(token_correct, correct_.get(), T, cudaMemcpyDeviceToHost, stream_));
  }
  LONGALIGN_CUDA_CHECK(cudaStreamSynchronize(stream_));
  double loss = 0.0;
  for (const float x : weighted) loss += x;
  return loss;
}

}  // namespace longalign::cuda
