#include "model/decoder_layer.h"

#include <cstring>

#include "model/buffer_carver.h"
#include "model/gemm.h"
#include "model/rmsnorm.h"
#include "model/swiglu.h"

namespace longalign::model {
namespace {

LayerActivations carve_activations(BufferCarver& c, const ModelConfig& m, int64_t T) {
  LayerActivations a;
  a.ln1 = c.take(T * m.hidden);
  a.rstd1 = c.take(T);
  a.qkv = c.take(T * m.qkv_dim());
  a.attn = c.take(T * m.heads * m.head_dim);
  a.lse = c.take(m.heads * T);
  a.mid = c.take(T * m.hidden);
  a.ln2 = c.take(T * m.hidden);
  a.rstd2 = c.take(T);
  a.gate_up = c.take(T * 2 * m.intermediate);
  a.act = c.take(T * m.intermediate);
  return a;
}

LayerGradScratch carve_scratch(BufferCarver& c, const ModelConfig& m, int64_t T) {
  LayerGradScratch s;
  s.dact = c.take(T * m.intermediate);
  s.dgate_up = c.take(T * 2 * m.intermediate);
  s.dln = c.take(T * m.hidden);
  s.dattn = c.take(T * m.heads * m.head_dim);
  s.dqkv = c.take(T * m.qkv_dim());
  return s;
}

// y[t, :] += b for every row t.
void add_bias(float* y, const float* b, int64_t T, int64_t n) {
#pragma omp parallel for
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t i = 0; i < n; ++i) y[t * n + i] += b[i];
  }
}

// db += sum over rows of dy.
void bias_backward(float* db, const float* dy, int64_t T, int64_t n) {
#pragma omp parallel for
  for (int64_t i = 0; i < n; ++i) {
    float sum = 0;
    for (int64_t t = 0; t < T; ++t) sum += dy[t * n + i];
    db[i] += sum;
  }
}

// Rotates the q heads and the k heads of the fused rows (forward) or their gradients (backward).
void rotate_qk(const LayerContext& ctx, float* qkv, bool backward) {
  const ModelConfig& m = *ctx.config;
  const int64_t T = ctx.attention.T, ld = m.qkv_dim();
  rope_rotate(qkv, ld, T, m.heads, m.head_dim, *ctx.rope, 0, backward);
  rope_rotate(qkv + m.heads * m.head_dim, ld, T, m.kv_heads, m.head_dim, *ctx.rope, 0, backward);
}

}  // namespace

int64_t LayerActivations::floats(const ModelConfig& config, int64_t T) {
  BufferCarver c(nullptr);
  carve_activations(c, config, T);
  return c.used();
}

LayerActivations LayerActivations::at(float* base, const ModelConfig& config, int64_t T) {
  BufferCarver c(base);
  return carve_activations(c, config, T);
}

int64_t LayerGradScratch::floats(const ModelConfig& config, int64_t T) {
  BufferCarver c(nullptr);
  carve_scratch(c, config, T);
  return c.used();
}

LayerGradScratch LayerGradScratch::at(float* base, const ModelConfig& config, int64_t T) {
  BufferCarver c(base);
  return carve_scratch(c, config, T);
}

void layer_forward(const LayerContext& ctx, const LayerParams& w, const float* x, float* y,
                   LayerActivations& a) {
  const ModelConfig& m = *ctx.config;
  const Precision p = ctx.precision;
  const int64_t T = ctx.attention.T, C = m.hidden, Q = m.qkv_dim();
  const int64_t HD = m.heads * m.head_dim, I = m.intermediate;
  const float eps = static_cast<float>(m.rms_eps);

  // Attention block: qkv = rmsnorm(x) Wqkv^T + b, q and k rotated; mid = x + attention Wo^T.
  rmsnorm_forward(a.ln1, a.rstd1, x, w.attn_norm, T, C, eps);
  matmul(p, T, Q, C, plain(a.ln1, C), transposed(w.wqkv, C), a.qkv, Q, false);
  if (w.bqkv) add_bias(a.qkv, w.bqkv, T, Q);
  rotate_qk(ctx, a.qkv, false);
  attention_forward(p, a.attn, a.lse, a.qkv, ctx.attention);
  std::memcpy(a.mid, x, sizeof(float) * T * C);
  matmul(p, T, C, HD, plain(a.attn, HD), transposed(w.wo, HD), a.mid, C, true);

  // MLP block: y = mid + swiglu(rmsnorm(mid) Wgate_up^T) Wdown^T.
  rmsnorm_forward(a.ln2, a.rstd2, a.mid, w.mlp_norm, T, C, eps);
  matmul(p, T, 2 * I, C, plain(a.ln2, C), transposed(w.w_gate_up, C), a.gate_up, 2 * I, false);
  swiglu_forward(a.act, a.gate_up, T, I);
  std::memcpy(y, a.mid, sizeof(float) * T * C);
  matmul(p, T, C, I, plain(a.act, I), transposed(w.w_down, I), y, C, true);
}

void layer_backward(const LayerContext& ctx, const LayerParams& w, const LayerParams& dw,
                    const float* x, const LayerActivations& a, float* dresid,
                    const LayerGradScratch& s) {
  const ModelConfig& m = *ctx.config;
  const Precision p = ctx.precision;
  const int64_t T = ctx.attention.T, C = m.hidden, Q = m.qkv_dim();
  const int64_t HD = m.heads * m.head_dim, I = m.intermediate;

  // MLP block. dresid holds dy; dact = dy Wdown, dWdown += dy^T act.
  matmul(p, T, I, C, plain(dresid, C), plain(w.w_down, I), s.dact, I, false);
  matmul(p, C, I, T, transposed(dresid, C), plain(a.act, I), dw.w_down, I, true);
  swiglu_backward(s.dgate_up, s.dact, a.gate_up, T, I);
  // dln2 = dgate_up Wgate_up, dWgate_up += dgate_up^T ln2; then dmid = dy + rmsnorm'(dln2).
  matmul(p, T, C, 2 * I, plain(s.dgate_up, 2 * I), plain(w.w_gate_up, C), s.dln, C, false);
  matmul(p, 2 * I, C, T, transposed(s.dgate_up, 2 * I), plain(a.ln2, C), dw.w_gate_up, C, true);
  rmsnorm_backward(dresid, dw.mlp_norm, s.dln, a.mid, w.mlp_norm, a.rstd2, T, C);

  // Attention block. dresid holds dmid; dattn = dmid Wo, dWo += dmid^T attn.
  matmul(p, T, HD, C, plain(dresid, C), plain(w.wo, HD), s.dattn, HD, false);
  matmul(p, C, HD, T, transposed(dresid, C), plain(a.attn, HD), dw.wo, HD, true);
  attention_backward(p, s.dqkv, s.dattn, a.qkv, a.attn, a.lse, ctx.attention);
  rotate_qk(ctx, s.dqkv, true);
  if (w.bqkv) bias_backward(dw.bqkv, s.dqkv, T, Q);
  // dln1 = dqkv Wqkv, dWqkv += dqkv^T ln1; then dx = dmid + rmsnorm'(dln1).
  matmul(p, T, C, Q, plain(s.dqkv, Q), plain(w.wqkv, C), s.dln, C, false);
  matmul(p, Q, C, T, transposed(s.dqkv, Q), plain(a.ln1, C), dw.wqkv, C, true);
  rmsnorm_backward(dresid, dw.attn_norm, s.dln, x, w.attn_norm, a.rstd1, T, C);
}

}  // namespace longalign::model
