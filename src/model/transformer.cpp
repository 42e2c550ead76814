#include "model/transformer.h"

#include <cmath>
#include <cstring>
#include <string>

#include "core/error.h"
#include "model/buffer_carver.h"
#include "model/decoder_layer.h"
#include "model/embedding.h"
#include "model/lm_head_loss.h"
#include "model/rmsnorm.h"
#include "model/rope.h"

namespace longalign::model {
namespace {

struct Workspace {
  std::vector<float*> xs;  // L + 1 residual-stream buffers [T, C]
  float *lnf = nullptr, *dlnf = nullptr, *rstdf = nullptr, *dresid = nullptr;
  std::vector<LayerActivations> acts;
  LayerGradScratch scratch;
  int64_t floats = 0;
};

Workspace carve_workspace(float* base, const ModelConfig& m, int64_t T, int64_t act_sets,
                          bool backward) {
  BufferCarver c(base);
  Workspace w;
  for (int64_t l = 0; l <= m.layers; ++l) w.xs.push_back(c.take(T * m.hidden));
  w.lnf = c.take(T * m.hidden);
  w.rstdf = c.take(T);
  for (int64_t i = 0; i < act_sets; ++i) {
    w.acts.push_back(LayerActivations::at(c.take(LayerActivations::floats(m, T)), m, T));
  }
  if (backward) {
    w.dlnf = c.take(T * m.hidden);
    w.dresid = c.take(T * m.hidden);
    w.scratch = LayerGradScratch::at(c.take(LayerGradScratch::floats(m, T)), m, T);
  }
  w.floats = c.used();
  return w;
}

}  // namespace

bool recomputes(const StepOptions& o, int64_t T) {
  if (o.recompute == Recompute::automatic) return T > o.recompute_above_tokens;
  return o.recompute == Recompute::on;
}

Recompute parse_recompute(const std::string& name) {
  if (name == "auto") return Recompute::automatic;
  if (name == "on") return Recompute::on;
  if (name == "off") return Recompute::off;
  throw UsageError("--recompute must be auto, on or off, not '" + name + "'");
}

Transformer::Transformer(const ModelConfig& config, const Parameters& params)
    : config_(config), params_(params) {}

double Transformer::forward(const Batch& batch, Precision precision, float* token_loss,
                            uint8_t* token_correct) {
  StepOptions options;
  options.precision = precision;
  return run(batch, nullptr, options, token_loss, token_correct);
}

double Transformer::forward_backward(const Batch& batch, Parameters& grads,
                                     const StepOptions& options, float* token_loss) {
  return run(batch, &grads, options, token_loss, nullptr);
}

double Transformer::run(const Batch& batch, Parameters* grads, const StepOptions& options,
                        float* token_loss, uint8_t* token_correct) {
  const ModelConfig& m = config_;
  check_batch(batch, m.vocab);
  const int64_t T = batch.size(), C = m.hidden, L = m.layers;
  // Forward-only and recomputing runs keep one layer's activations; otherwise every layer's.
  const bool keep_all = grads && !recomputes(options, T);
  const int64_t act_sets = keep_all ? L : 1;

  // Workspace: the residual stream at every layer boundary xs[0..L], the final norm, the layers'
  // activations, and (with gradients) the backward's scratch.
  Workspace w = carve_workspace(nullptr, m, T, act_sets, grads != nullptr);
  if (static_cast<int64_t>(workspace_.size()) < w.floats) workspace_.assign(w.floats, 0.0f);
  w = carve_workspace(workspace_.data(), m, T, act_sets, grads != nullptr);
  float *lnf = w.lnf, *dlnf = w.dlnf, *rstdf = w.rstdf, *dresid = w.dresid;
  std::vector<LayerActivations>& acts = w.acts;
  const LayerGradScratch& scratch = w.scratch;

  const RopeAngles rope = rope_angles(make_rope_table(m, int64_t{batch.max_position()} + 1),
                                      batch.positions.data(), batch.size());
  LayerContext ctx;
  ctx.config = &m;
  ctx.precision = options.precision;
  ctx.rope = &rope;
  ctx.attention = {batch.cu_seqlens.data(),
                   batch.sequences(),
                   T,
                   m.heads,
                   m.kv_heads,
                   m.head_dim,
                   static_cast<float>(1.0 / std::sqrt(double(m.head_dim)))};
  const std::vector<float*>& xs = w.xs;

  // Forward: x_0 = embed(tokens); x_{l+1} = layer_l(x_l); loss = lm_head_loss(rmsnorm(x_L)).
  embedding_forward(xs[0], batch.tokens.data(), params_.embed, T, C, m.vocab);
  for (int64_t l = 0; l < L; ++l) {
    layer_forward(ctx, params_.layers[l], xs[l], xs[l + 1], acts[keep_all ? l : 0]);
  }
  rmsnorm_forward(lnf, rstdf, xs[L], params_.final_norm, T, C, static_cast<float>(m.rms_eps));
  LmHeadLossInput in{lnf, params_.lm_head, batch.targets.data(), batch.token_weights.data(), T,
                     C,   m.vocab};
  LmHeadLossOutput out{token_loss, nullptr, nullptr, token_correct};
  if (grads) {
    std::memset(dlnf, 0, sizeof(float) * T * C);
    out.dx = dlnf;
    out.dweight = grads->lm_head;
  }
  const double loss = lm_head_loss(options.precision, in, out);
  if (!grads) return loss;

  // Backward, the residual stream's gradient flowing down through dresid.
  std::memset(dresid, 0, sizeof(float) * T * C);
  rmsnorm_backward(dresid, grads->final_norm, dlnf, xs[L], params_.final_norm, rstdf, T, C);
  for (int64_t l = L - 1; l >= 0; --l) {
    LayerActivations& a = acts[keep_all ? l : 0];
    // Recomputing refills the activations; its output equals the kept x_{l+1}, so it lands in
    // lnf, which the loss no longer needs.
    if (!keep_all) layer_forward(ctx, params_.layers[l], xs[l], lnf, a);
    layer_backward(ctx, params_.layers[l], grads->layers[l], xs[l], a, dresid, scratch);
  }
  embedding_backward(grads->embed, dresid, batch.tokens.data(), T, C);
  return loss;
}

}  // namespace longalign::model
