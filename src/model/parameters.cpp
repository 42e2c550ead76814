#include "model/parameters.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numbers>

#include "core/error.h"
#include "core/random.h"

namespace longalign::model {

namespace {

// Every tensor starts on a 64-byte boundary (a cache line, one AVX-512 register of floats).
constexpr int64_t kAlignFloats = 16;

int64_t align_up(int64_t n) {
  return (n + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
}

// Offsets in floats of the internal tensors; the one place that decides the layout, so the
// named pointers and the Hugging Face names always agree.
struct LayerOffsets {
  int64_t attn_norm, wqkv, bqkv, wo, mlp_norm, w_gate_up, w_down;  // bqkv: -1 without a bias
};

struct Layout {
  int64_t embed = 0;
  std::vector<LayerOffsets> layers;
  int64_t final_norm = 0;
  int64_t lm_head = 0;  // == embed with tied embeddings
  int64_t size = 0;
};

Layout plan_layout(const ModelConfig& c) {
  Layout l;
  auto take = [&l](int64_t n) {
    const int64_t at = l.size;
    l.size += align_up(n);
    return at;
  };
  const int64_t C = c.hidden, I = c.intermediate;
  l.embed = take(c.vocab * C);
  for (int64_t i = 0; i < c.layers; ++i) {
    LayerOffsets o;
    o.attn_norm = take(C);
    o.wqkv = take(c.qkv_dim() * C);
    o.bqkv = c.qkv_bias ? take(c.qkv_dim()) : -1;
    o.wo = take(C * c.heads * c.head_dim);
    o.mlp_norm = take(C);
    o.w_gate_up = take(2 * I * C);
    o.w_down = take(C * I);
    l.layers.push_back(o);
  }
  l.final_norm = take(C);
  l.lm_head = c.tie_word_embeddings ? l.embed : take(c.vocab * C);
  return l;
}

HfTensor matrix(std::string name, std::vector<int64_t> shape, int64_t offset) {
  HfTensor t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  t.offset = offset;
  return t;
}

HfTensor norm(std::string name, int64_t size, int64_t offset) {
  HfTensor t = matrix(std::move(name), {size}, offset);
  t.is_norm = true;
  return t;
}

HfTensor bias(std::string name, int64_t size, int64_t offset) {
  HfTensor t = matrix(std::move(name), {size}, offset);
  t.is_bias = true;
  return t;
}

// LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM: q, k and v are separate
// projections, which are consecutive row blocks of wqkv; gate and up are the halves of w_gate_up.
void add_llama_tensors(const ModelConfig& c, const Layout& l, std::vector<HfTensor>& out) {
  const int64_t C = c.hidden, I = c.intermediate;
  const int64_t q_rows = c.heads * c.head_dim, kv_rows = c.kv_heads * c.head_dim;
  out.push_back(matrix("model.embed_tokens.weight", {c.vocab, C}, l.embed));
  for (int64_t i = 0; i < c.layers; ++i) {
    const LayerOffsets& o = l.layers[static_cast<size_t>(i)];
    const std::string p = "model.layers." + std::to_string(i) + ".";
    const int64_t rows[3] = {q_rows, kv_rows, kv_rows};
    const char* projections[3] = {"q_proj", "k_proj", "v_proj"};
    int64_t row = 0;
    for (int j = 0; j < 3; ++j) {
      const std::string name = p + "self_attn." + projections[j];
      out.push_back(matrix(name + ".weight", {rows[j], C}, o.wqkv + row * C));
      if (c.qkv_bias) out.push_back(bias(name + ".bias", rows[j], o.bqkv + row));
      row += rows[j];
    }
    out.push_back(matrix(p + "self_attn.o_proj.weight", {C, q_rows}, o.wo));
    out.push_back(matrix(p + "mlp.gate_proj.weight", {I, C}, o.w_gate_up));
    out.push_back(matrix(p + "mlp.up_proj.weight", {I, C}, o.w_gate_up + I * C));
    out.push_back(matrix(p + "mlp.down_proj.weight", {C, I}, o.w_down));
    out.push_back(norm(p + "input_layernorm.weight", C, o.attn_norm));
    out.push_back(norm(p + "post_attention_layernorm.weight", C, o.mlp_norm));
  }
  out.push_back(norm("model.norm.weight", C, l.final_norm));
  if (!c.tie_word_embeddings) out.push_back(matrix("lm_head.weight", {c.vocab, C}, l.lm_head));
}

// ChatGLMForConditionalGeneration: query_key_value and dense_h_to_4h are already fused in our
// order (q, k, v rows; gate, up rows).
void add_chatglm_tensors(const ModelConfig& c, const Layout& l, std::vector<HfTensor>& out) {
  const int64_t C = c.hidden, I = c.intermediate;
  out.push_back(matrix("transformer.embedding.word_embeddings.weight", {c.vocab, C}, l.embed));
  for (int64_t i = 0; i < c.layers; ++i) {
    const LayerOffsets& o = l.layers[static_cast<size_t>(i)];
    const std::string p = "transformer.encoder.layers." + std::to_string(i) + ".";
    out.push_back(norm(p + "input_layernorm.weight", C, o.attn_norm));
    out.push_back(matrix(p + "self_attention.query_key_value.weight", {c.qkv_dim(), C}, o.wqkv));
    if (c.qkv_bias) {
      out.push_back(bias(p + "self_attention.query_key_value.bias", c.qkv_dim(), o.bqkv));
    }
    out.push_back(matrix(p + "self_attention.dense.weight", {C, c.heads * c.head_dim}, o.wo));
    out.push_back(norm(p + "post_attention_layernorm.weight", C, o.mlp_norm));
    out.push_back(matrix(p + "mlp.dense_h_to_4h.weight", {2 * I, C}, o.w_gate_up));
    out.push_back(matrix(p + "mlp.dense_4h_to_h.weight", {C, I}, o.w_down));
  }
  out.push_back(norm("transformer.encoder.final_layernorm.weight", C, l.final_norm));
  if (!c.tie_word_embeddings) {
    out.push_back(matrix("transformer.output_layer.weight", {c.vocab, C}, l.lm_head));
  }
}

// Standard normal values into dst[0, n) from one SplitMix64 stream, by Box-Muller: two uniforms
// u1 in (0, 1], u2 in [0, 1) give sqrt(-2 ln u1) (cos 2 pi u2, sin 2 pi u2).
void fill_normal(float* dst, int64_t n, double stddev, uint64_t state) {
  constexpr double kTwoPi = 2.0 * std::numbers::pi;
  constexpr double kUnit = 1.0 / 9007199254740992.0;  // 2^-53
  for (int64_t i = 0; i < n; i += 2) {
    const double u1 = 1.0 - static_cast<double>(splitmix64(state) >> 11) * kUnit;
    const double u2 = static_cast<double>(splitmix64(state) >> 11) * kUnit;
    const double radius = stddev * std::sqrt(-2.0 * std::log(u1));
    dst[i] = static_cast<float>(radius * std::cos(kTwoPi * u2));
    if (i + 1 < n) dst[i + 1] = static_cast<float>(radius * std::sin(kTwoPi * u2));
  }
}

}  // namespace

int64_t HfTensor::numel() const {
  int64_t n = 1;
  for (const int64_t d : shape) n *= d;
  return n;
}

std::vector<HfTensor> hf_tensors(const ModelConfig& config) {
  const Layout layout = plan_layout(config);
  std::vector<HfTensor> tensors;
  if (config.family == Family::chatglm) {
    add_chatglm_tensors(config, layout, tensors);
  } else {
    add_llama_tensors(config, layout, tensors);
  }
  return tensors;
}

void Parameters::FreeDeleter::operator()(float* p) const {
  std::free(p);
}

Parameters::Parameters(const ModelConfig& config) {
  const Layout l = plan_layout(config);
  size_ = l.size;
  const size_t bytes = static_cast<size_t>(size_) * sizeof(float);
  data_.reset(static_cast<float*>(std::aligned_alloc(kAlignFloats * sizeof(float), bytes)));
  if (!data_) {
    throw Error("parameters: cannot allocate " + std::to_string(bytes >> 20) + " MiB");
  }
  zero();
  float* base = data_.get();
  embed = base + l.embed;
  for (const LayerOffsets& o : l.layers) {
    layers.push_back(LayerParams{base + o.attn_norm, base + o.wqkv,
                                 o.bqkv < 0 ? nullptr : base + o.bqkv, base + o.wo,
                                 base + o.mlp_norm, base + o.w_gate_up, base + o.w_down});
  }
  final_norm = base + l.final_norm;
  lm_head = base + l.lm_head;
}

void Parameters::zero() {
  std::memset(data_.get(), 0, static_cast<size_t>(size_) * sizeof(float));
}

void init_parameters(Parameters& params, const ModelConfig& config, uint64_t seed) {
  // Big tensors are cut into blocks, each with its own stream seeded by (seed, tensor, block),
  // so every thread count draws the same values.
  constexpr int64_t kBlock = int64_t{1} << 16;
  struct Block {
    int64_t tensor, begin, count;
  };
  const std::vector<HfTensor> tensors = hf_tensors(config);
  std::vector<Block> blocks;
  for (size_t t = 0; t < tensors.size(); ++t) {
    const int64_t n = tensors[t].numel();
    for (int64_t b = 0; b < n; b += kBlock) {
      blocks.push_back({static_cast<int64_t>(t), b, std::min(kBlock, n - b)});
    }
  }
  const uint64_t seed_state = splitmix64_hash(seed);
  float* data = params.data();
#pragma omp parallel for schedule(dynamic)
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    const HfTensor& t = tensors[static_cast<size_t>(b.tensor)];
    float* dst = data + t.offset + b.begin;
    if (t.is_norm || t.is_bias) {
      std::fill(dst, dst + b.count, t.is_norm ? 1.0f : 0.0f);
    } else {
      const uint64_t stream =
          splitmix64_hash(seed_state ^ splitmix64_hash(static_cast<uint64_t>(b.tensor))) +
          static_cast<uint64_t>(b.begin / kBlock);
      fill_normal(dst, b.count, config.initializer_range, splitmix64_hash(stream));
    }
  }
}

}  // namespace longalign::model
