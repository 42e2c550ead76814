// Prefill and batched decode, built from the training engine's kernels (embedding, rmsnorm, gemm,
// rope, attention, swiglu). The layer is the same pre-norm layer as model/decoder_layer.cpp:
//   mid = x + Wo · attention(rope(Wqkv · rmsnorm(x) + b))
//   y   = mid + Wdown · swiglu(Wgate_up · rmsnorm(mid))
// written here without the activations a backward would keep.
#include "infer/engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "core/error.h"
#include "infer/cache_attention.h"
#include "model/attention.h"
#include "model/embedding.h"
#include "model/gemm.h"
#include "model/rmsnorm.h"
#include "model/safetensors.h"
#include "model/swiglu.h"

namespace longalign::infer {
namespace {

using model::bf16;
using model::MatrixOperand;
using model::Precision;

// Rows of a prefill chunk are padded to this multiple, so the products see few distinct shapes
// (oneDNN compiles a kernel per shape).
constexpr int64_t kRowAlign = 16;

int64_t round_up(int64_t x, int64_t multiple) {
  return (x + multiple - 1) / multiple * multiple;
}

std::vector<bf16> to_bf16_copy(const float* src, int64_t n) {
  std::vector<bf16> out(static_cast<size_t>(n));
  model::to_bf16(out.data(), src, n);
  return out;
}

// y[t, :] += b for t < T.
void add_bias(float* y, const float* b, int64_t T, int64_t n) {
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t i = 0; i < n; ++i) y[t * n + i] += b[i];
  }
}

// n floats of `v`, grown if needed: buffers kept between prefills, so a prompt does not fault in
// and zero tens of megabytes of fresh memory each time.
float* fit(std::vector<float>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
  return v.data();
}

// One layer's MLP buffers over a chunk of rows.
struct MlpView {
  float *ln, *rstd, *gate_up, *act;
};

}  // namespace

KvDtype parse_kv_dtype(const std::string& name) {
  if (name == "bf16") return KvDtype::bf16;
  if (name == "fp32") return KvDtype::fp32;
  throw UsageError("--kv-dtype must be bf16 or fp32, not '" + name + "'");
}

Engine::Engine(model::ModelConfig config, std::shared_ptr<const model::Parameters> params,
               const EngineOptions& options)
    : config_(std::move(config)), params_(std::move(params)), options_(options) {
  const model::ModelConfig& m = config_;
  if (!params_) throw Error("engine: no parameters");
  max_context_ = options.max_context > 0 ? options.max_context : m.max_position;
  if (max_context_ < 2) throw UsageError("engine: the context must hold at least 2 tokens");
  options_.prefill_chunk = round_up(std::max<int64_t>(options.prefill_chunk, 1), kRowAlign);
  // fp32 products leave the copies empty.
  bf16_layers_.resize(m.layers);
  if (options.precision == Precision::bf16) {
    for (int64_t l = 0; l < m.layers; ++l) {
      const model::LayerParams& w = params_->layers[l];
      bf16_layers_[l] = {to_bf16_copy(w.wqkv, m.qkv_dim() * m.hidden),
                         to_bf16_copy(w.wo, m.hidden * m.heads * m.head_dim),
                         to_bf16_copy(w.w_gate_up, 2 * m.intermediate * m.hidden),
                         to_bf16_copy(w.w_down, m.hidden * m.intermediate)};
    }
    bf16_head_ = to_bf16_copy(params_->lm_head, m.vocab * m.hidden);
  }
  rope_ = model::make_rope_table(m, max_context_);
}

std::unique_ptr<Engine> Engine::load(const std::filesystem::path& model_dir,
                                     const EngineOptions& options) {
  model::ModelConfig config = model::load_config(model_dir);
  auto params = std::make_shared<model::Parameters>(config);
  model::load_parameters(*params, config, model_dir);
  return std::make_unique<Engine>(std::move(config), std::move(params), options);
}

KvCache Engine::new_cache(int64_t capacity) const {
  if (capacity > max_context_) {
    throw UsageError("a cache of " + std::to_string(capacity) + " tokens exceeds the context of " +
                     std::to_string(max_context_));
  }
  return KvCache(config_, options_.kv_dtype, capacity);
}

void Engine::check_tokens(std::span<const int32_t> tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= config_.vocab) {
      throw Error("token id " + std::to_string(tokens[i]) + " at position " + std::to_string(i) +
                  " is outside the model's vocabulary [0, " + std::to_string(config_.vocab) + ")");
    }
  }
}

// Dynamic NTK scaling grows the base with the sequence length, so its table is made per length
// (keys already cached keep the rotation they were stored with, as transformers' cache does);
// every other scaling has one table for all lengths.
const model::RopeTable& Engine::rope_for(int64_t seq_len) {
  if (config_.rope.scaling != model::RopeScaling::dynamic) return rope_;
  dynamic_rope_ = model::make_rope_table(config_, seq_len);
  return dynamic_rope_;
}

namespace {

// A weight operand W [N, K] entering y = x W^T: the bf16 copy when there is one.
MatrixOperand weight(const float* f32, const std::vector<bf16>& b16, int64_t K) {
  return b16.empty() ? model::transposed(f32, K) : model::transposed(b16.data(), K);
}

}  // namespace

std::vector<float> Engine::head(const float* x, int64_t M) {
  const model::ModelConfig& m = config_;
  const int64_t C = m.hidden;
  std::vector<float> ln(M * C), rstd(M), logits(M * m.vocab);
  model::rmsnorm_forward(ln.data(), rstd.data(), x, params_->final_norm, M, C,
                         static_cast<float>(m.rms_eps));
  model::matmul(options_.precision, M, m.vocab, C, model::plain(ln.data(), C),
                weight(params_->lm_head, bf16_head_, C), logits.data(), m.vocab, false);
  return logits;
}

std::vector<float> Engine::prefill(KvCache& cache, std::span<const int32_t> tokens) {
  const model::ModelConfig& m = config_;
  const Precision p = options_.precision;
  const int64_t T = static_cast<int64_t>(tokens.size()), C = m.hidden, Q = m.qkv_dim();
  const int64_t HD = m.heads * m.head_dim, I = m.intermediate;
  const int64_t start = cache.length();
  const float eps = static_cast<float>(m.rms_eps);
  if (T == 0) throw Error("prefill: empty prompt");
  if (start + T > cache.capacity()) {
    throw Error("prefill: a prompt of " + std::to_string(start + T) +
                " tokens does not fit a cache of " + std::to_string(cache.capacity()));
  }
  check_tokens(tokens);

  // Whole-prompt buffers, rows padded so the last chunk can run at the chunk's padded size:
  // x [Tp, C] the residual stream, qkv [Tp, Q], attn [Tp, HD]. The padding rows are zeroed; the
  // products keep each row to itself, so they stay apart from the prompt's rows.
  const int64_t chunk = options_.prefill_chunk, Tp = round_up(T, kRowAlign);
  const int64_t rows_max = std::min(chunk, Tp);
  float* x = fit(work_.x, Tp * C);
  float* qkv = fit(work_.qkv, Tp * Q);
  float* attn = fit(work_.attn, Tp * HD);
  std::fill(x + T * C, x + Tp * C, 0.0f);
  std::fill(attn + T * HD, attn + Tp * HD, 0.0f);
  MlpView buf{fit(work_.ln, rows_max * C), fit(work_.rstd, rows_max),
              fit(work_.gate_up, rows_max * 2 * I), fit(work_.act, rows_max * I)};
  std::vector<int32_t> positions(T);
  for (int64_t t = 0; t < T; ++t) positions[t] = static_cast<int32_t>(start + t);
  const model::RopeAngles rope = model::rope_angles(rope_for(start + T), positions.data(), T);

  model::embedding_forward(x, tokens.data(), params_->embed, T, C, m.vocab);
  for (int64_t l = 0; l < m.layers; ++l) {
    const model::LayerParams& w = params_->layers[l];
    const Bf16Layer& b = bf16_layers_[l];
    // qkv = rope(rmsnorm(x) Wqkv^T + b), chunk by chunk; the chunk's rows rounded up to kRowAlign.
    for (int64_t t0 = 0; t0 < T; t0 += chunk) {
      const int64_t n = std::min(chunk, T - t0), rows = round_up(n, kRowAlign);
      model::rmsnorm_forward(buf.ln, buf.rstd, x + t0 * C, w.attn_norm, rows, C, eps);
      model::matmul(p, rows, Q, C, model::plain(buf.ln, C), weight(w.wqkv, b.wqkv, C), qkv + t0 * Q,
                    Q, false);
      if (w.bqkv) add_bias(qkv + t0 * Q, w.bqkv, n, Q);
      model::rope_rotate(qkv + t0 * Q, Q, n, m.heads, m.head_dim, rope, t0, false);
      model::rope_rotate(qkv + t0 * Q + HD, Q, n, m.kv_heads, m.head_dim, rope, t0, false);
    }
    for (int64_t t = 0; t < T; ++t) {
      const float* row = qkv + t * Q;
      cache.store(l, start + t, row + HD, row + HD + m.kv_heads * m.head_dim);
    }
    attend_prompt(cache, l, start, T, qkv, attn);
    // x += attn Wo^T; x += swiglu(rmsnorm(x) Wgate_up^T) Wdown^T, chunk by chunk.
    for (int64_t t0 = 0; t0 < T; t0 += chunk) {
      const int64_t rows = round_up(std::min(chunk, T - t0), kRowAlign);
      float* xc = x + t0 * C;
      model::matmul(p, rows, C, HD, model::plain(attn + t0 * HD, HD), weight(w.wo, b.wo, HD), xc, C,
                    true);
      model::rmsnorm_forward(buf.ln, buf.rstd, xc, w.mlp_norm, rows, C, eps);
      model::matmul(p, rows, 2 * I, C, model::plain(buf.ln, C), weight(w.w_gate_up, b.w_gate_up, C),
                    buf.gate_up, 2 * I, false);
      model::swiglu_forward(buf.act, buf.gate_up, rows, I);
      model::matmul(p, rows, C, I, model::plain(buf.act, I), weight(w.w_down, b.w_down, I), xc, C,
                    true);
    }
  }
  cache.set_length(start + T);
  return head(x + (T - 1) * C, 1);
}

// A prompt of its own runs the training engine's tiled attention over its rows; the rest of a
// prompt whose start is cached attends to the cache, which already holds its own keys.
void Engine::attend_prompt(const KvCache& cache, int64_t layer, int64_t start, int64_t T,
                           const float* qkv, float* attn) {
  const model::ModelConfig& m = config_;
  const int64_t Q = m.qkv_dim(), HD = m.heads * m.head_dim;
  if (start == 0) {
    const int32_t cu_seqlens[2] = {0, static_cast<int32_t>(T)};
    const model::AttentionShape shape{cu_seqlens,
                                      1,
                                      T,
                                      m.heads,
                                      m.kv_heads,
                                      m.head_dim,
                                      static_cast<float>(1.0 / std::sqrt(double(m.head_dim)))};
    std::vector<float> lse(m.heads * T);
    model::attention_forward(options_.precision, attn, lse.data(), qkv, shape);
    return;
  }
  std::vector<AttentionRow> rows(T);
  for (int64_t t = 0; t < T; ++t) rows[t] = {qkv + t * Q, attn + t * HD, &cache, start + t + 1};
  cache_attention(rows, layer, m);
}

std::vector<float> Engine::decode_batch(std::span<KvCache* const> caches,
                                        std::span<const int32_t> tokens) {
  const model::ModelConfig& m = config_;
  const Precision p = options_.precision;
  const int64_t M = static_cast<int64_t>(tokens.size()), C = m.hidden, Q = m.qkv_dim();
  const int64_t HD = m.heads * m.head_dim, I = m.intermediate, KD = m.kv_heads * m.head_dim;
  const float eps = static_cast<float>(m.rms_eps);
  if (M == 0 || caches.size() != tokens.size()) {
    throw Error("decode_batch: " + std::to_string(caches.size()) + " caches for " +
                std::to_string(M) + " tokens");
  }
  std::vector<int64_t> lengths(M);
  for (int64_t i = 0; i < M; ++i) {
    if (caches[i]->length() == 0 || caches[i]->length() >= caches[i]->capacity()) {
      throw Error("decode_batch: request " + std::to_string(i) + " has " +
                  std::to_string(caches[i]->length()) + " of " +
                  std::to_string(caches[i]->capacity()) + " tokens cached");
    }
    lengths[i] = caches[i]->length() + 1;
  }
  check_tokens(tokens);

  std::vector<float> x(M * C), qkv(M * Q), attn(M * HD), ln(M * C), rstd(M), gate_up(M * 2 * I),
      act(M * I);
  const MlpView buf{ln.data(), rstd.data(), gate_up.data(), act.data()};
  std::vector<model::RopeAngles> angles;
  for (int64_t i = 0; i < M; ++i) {
    const int32_t pos = static_cast<int32_t>(lengths[i] - 1);
    angles.push_back(model::rope_angles(rope_for(lengths[i]), &pos, 1));
  }
  model::embedding_forward(x.data(), tokens.data(), params_->embed, M, C, m.vocab);
  for (int64_t l = 0; l < m.layers; ++l) {
    const model::LayerParams& w = params_->layers[l];
    const Bf16Layer& b = bf16_layers_[l];
    // qkv = rope(rmsnorm(x) Wqkv^T + b), each row at its request's position; k, v into the caches.
    model::rmsnorm_forward(buf.ln, buf.rstd, x.data(), w.attn_norm, M, C, eps);
    model::matmul(p, M, Q, C, model::plain(buf.ln, C), weight(w.wqkv, b.wqkv, C), qkv.data(), Q,
                  false);
    if (w.bqkv) add_bias(qkv.data(), w.bqkv, M, Q);
    for (int64_t i = 0; i < M; ++i) {
      float* row = qkv.data() + i * Q;
      const int64_t pos = lengths[i] - 1;
      model::rope_rotate(row, Q, 1, m.heads, m.head_dim, angles[i], 0, false);
      model::rope_rotate(row + HD, Q, 1, m.kv_heads, m.head_dim, angles[i], 0, false);
      caches[i]->store(l, pos, row + HD, row + HD + KD);
    }
    std::vector<AttentionRow> rows(M);
    for (int64_t i = 0; i < M; ++i) {
      rows[i] = {qkv.data() + i * Q, attn.data() + i * HD, caches[i], lengths[i]};
    }
    cache_attention(rows, l, m);
    // x += attn Wo^T; x += swiglu(rmsnorm(x) Wgate_up^T) Wdown^T.
    model::matmul(p, M, C, HD, model::plain(attn.data(), HD), weight(w.wo, b.wo, HD), x.data(), C,
                  true);
    model::rmsnorm_forward(buf.ln, buf.rstd, x.data(), w.mlp_norm, M, C, eps);
    model::matmul(p, M, 2 * I, C, model::plain(buf.ln, C), weight(w.w_gate_up, b.w_gate_up, C),
                  buf.gate_up, 2 * I, false);
    model::swiglu_forward(buf.act, buf.gate_up, M, I);
    model::matmul(p, M, C, I, model::plain(buf.act, I), weight(w.w_down, b.w_down, I), x.data(), C,
                  true);
  }
  for (int64_t i = 0; i < M; ++i) caches[i]->set_length(lengths[i]);
  return head(x.data(), M);
}

}  // namespace longalign::infer
