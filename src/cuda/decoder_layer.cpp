#include "cuda/decoder_layer.h"

#include "cuda/bias.h"
#include "cuda/check.h"
#include "cuda/column_sum.h"
#include "cuda/rmsnorm.h"
#include "cuda/swiglu.h"

namespace longalign::cuda {
namespace {

// A weight W [rows, ld] as the second operand of y = x W^T, or of dx = dy W: its bf16 copy in
// bf16 mode.
DeviceOperand weight_t(const LayerContext& ctx, const float* w, int64_t ld) {
  return ctx.precision == model::Precision::bf16 ? transposed(ctx.weights->bf16_of(w), ld)
                                                 : transposed(w, ld);
}

DeviceOperand weight(const LayerContext& ctx, const float* w, int64_t ld) {
  return ctx.precision == model::Precision::bf16 ? plain(ctx.weights->bf16_of(w), ld)
                                                 : plain(w, ld);
}

void copy(float* dst, const float* src, int64_t n, cudaStream_t stream) {
  LONGALIGN_CUDA_CHECK(
      cudaMemcpyAsync(dst, src, sizeof(float) * n, cudaMemcpyDeviceToDevice, stream));
}

// Rotates the q heads and the k heads inside the fused rows (sign -1: the backward).
void rotate_qk(const LayerContext& ctx, float* qkv, float sign) {
  const model::ModelConfig& m = *ctx.config;
  const int64_t T = ctx.attention.T, ld = m.qkv_dim();
  rope_rotate(qkv, ld, ctx.positions, T, m.heads, m.head_dim, ctx.rope, sign, ctx.stream);
  rope_rotate(qkv + m.heads * m.head_dim, ld, ctx.positions, T, m.kv_heads, m.head_dim, ctx.rope,
              sign, ctx.stream);
}

}  // namespace

void layer_forward(const LayerContext& ctx, const model::LayerParams& w, const float* x, float* y,
                   model::LayerActivations& a) {
  const model::ModelConfig& m = *ctx.config;
  const model::Precision p = ctx.precision;
  Gemm& gemm = *ctx.gemm;
  const int64_t T = ctx.attention.T, C = m.hidden, Q = m.qkv_dim();
  const int64_t HD = m.heads * m.head_dim, I = m.intermediate;
  const float eps = static_cast<float>(m.rms_eps);

  // Attention block: qkv = rmsnorm(x) Wqkv^T + b, q and k rotated; mid = x + attention Wo^T.
  rmsnorm_forward(a.ln1, a.rstd1, x, w.attn_norm, T, C, eps, ctx.stream);
  gemm.matmul(p, T, Q, C, plain(a.ln1, C), weight_t(ctx, w.wqkv, C), a.qkv, Q, false);
  if (w.bqkv) add_bias(a.qkv, w.bqkv, T, Q, ctx.stream);
  rotate_qk(ctx, a.qkv, 1.0f);
  attention_forward(p, a.attn, a.lse, a.qkv, ctx.attention, ctx.stream);
  copy(a.mid, x, T * C, ctx.stream);
  gemm.matmul(p, T, C, HD, plain(a.attn, HD), weight_t(ctx, w.wo, HD), a.mid, C, true);

  // MLP block: y = mid + swiglu(rmsnorm(mid) Wgate_up^T) Wdown^T.
  rmsnorm_forward(a.ln2, a.rstd2, a.mid, w.mlp_norm, T, C, eps, ctx.stream);
  gemm.matmul(p, T, 2 * I, C, plain(a.ln2, C), weight_t(ctx, w.w_gate_up, C), a.gate_up, 2 * I,
              false);
  swiglu_forward(a.act, a.gate_up, T, I, ctx.stream);
  copy(y, a.mid, T * C, ctx.stream);
  gemm.matmul(p, T, C, I, plain(a.act, I), weight_t(ctx, w.w_down, I), y, C, true);
}

void layer_backward(const LayerContext& ctx, const model::LayerParams& w,
                    const model::LayerParams& dw, const float* x, const model::LayerActivations& a,
                    float* dresid, const model::LayerGradScratch& s) {
  const model::ModelConfig& m = *ctx.config;
  const model::Precision p = ctx.precision;
  Gemm& gemm = *ctx.gemm;
  const int64_t T = ctx.attention.T, C = m.hidden, Q = m.qkv_dim();
  const int64_t HD = m.heads * m.head_dim, I = m.intermediate;

  // MLP block. dresid holds dy; dact = dy Wdown, dWdown += dy^T act.
  gemm.matmul(p, T, I, C, plain(dresid, C), weight(ctx, w.w_down, I), s.dact, I, false);
  gemm.matmul(p, C, I, T, transposed(dresid, C), plain(a.act, I), dw.w_down, I, true);
  swiglu_backward(s.dgate_up, s.dact, a.gate_up, T, I, ctx.stream);
  // dln2 = dgate_up Wgate_up, dWgate_up += dgate_up^T ln2; then dmid = dy + rmsnorm'(dln2).
  gemm.matmul(p, T, C, 2 * I, plain(s.dgate_up, 2 * I), weight(ctx, w.w_gate_up, C), s.dln, C,
              false);
  gemm.matmul(p, 2 * I, C, T, transposed(s.dgate_up, 2 * I), plain(a.ln2, C), dw.w_gate_up, C,
              true);
  rmsnorm_backward(dresid, dw.mlp_norm, s.dln, a.mid, w.mlp_norm, a.rstd2, T, C, ctx.column_scratch,
                   ctx.stream);

  // Attention block. dresid holds dmid; dattn = dmid Wo, dWo += dmid^T attn.
  gemm.matmul(p, T, HD, C, plain(dresid, C), weight(ctx, w.wo, HD), s.dattn, HD, false);
  gemm.matmul(p, C, HD, T, transposed(dresid, C), plain(a.attn, HD), dw.wo, HD, true);
  attention_backward(p, s.dqkv, s.dattn, a.qkv, a.attn, a.lse, ctx.delta, ctx.attention,
                     ctx.stream);
  rotate_qk(ctx, s.dqkv, -1.0f);
  if (w.bqkv)
    add_column_sums(dw.bqkv, s.dqkv, nullptr, nullptr, T, Q, ctx.column_scratch, ctx.stream);
  // dln1 = dqkv Wqkv, dWqkv += dqkv^T ln1; then dx = dmid + rmsnorm'(dln1).
  gemm.matmul(p, T, C, Q, plain(s.dqkv, Q), weight(ctx, w.wqkv, C), s.dln, C, false);
  gemm.matmul(p, Q, C, T, transposed(s.dqkv, Q), plain(a.ln1, C), dw.wqkv, C, true);
  rmsnorm_backward(dresid, dw.attn_norm, s.dln, x, w.attn_norm, a.rstd1, T, C, ctx.column_scratch,
                   ctx.stream);
}

}  // namespace longalign::cuda
