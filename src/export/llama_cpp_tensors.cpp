#include "export/llama_cpp_tensors.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <vector>

#include "core/error.h"
#include "model/parameters.h"
#include "model/rope.h"

namespace longalign::gguf {

namespace {

bool is_llama_architecture(const model::ModelConfig& config) {
  return config.family == model::Family::llama || config.family == model::Family::mistral;
}

// The part of a Hugging Face layer tensor's name after "model.layers.N." and llama.cpp's name for
// it after "blk.N.".
const std::map<std::string, std::string>& layer_tensor_names() {
  static const std::map<std::string, std::string> names = {
      {"input_layernorm.weight", "attn_norm.weight"},
      {"self_attn.q_proj.weight", "attn_q.weight"},
      {"self_attn.k_proj.weight", "attn_k.weight"},
      {"self_attn.v_proj.weight", "attn_v.weight"},
      {"self_attn.q_proj.bias", "attn_q.bias"},
      {"self_attn.k_proj.bias", "attn_k.bias"},
      {"self_attn.v_proj.bias", "attn_v.bias"},
      {"self_attn.o_proj.weight", "attn_output.weight"},
      {"post_attention_layernorm.weight", "ffn_norm.weight"},
      {"mlp.gate_proj.weight", "ffn_gate.weight"},
      {"mlp.up_proj.weight", "ffn_up.weight"},
      {"mlp.down_proj.weight", "ffn_down.weight"},
  };
  return names;
}

// llama.cpp's name for a Hugging Face tensor of hf_tensors(); a name outside the table is a
// logic error (hf_tensors and this table disagree).
std::string llama_cpp_name(const std::string& hf_name) {
  if (hf_name == "model.embed_tokens.weight") return "token_embd.weight";
  if (hf_name == "model.norm.weight") return "output_norm.weight";
  if (hf_name == "lm_head.weight") return "output.weight";
  const std::string prefix = "model.layers.";
  if (hf_name.rfind(prefix, 0) == 0) {
    const size_t dot = hf_name.find('.', prefix.size());
    const std::string layer = hf_name.substr(prefix.size(), dot - prefix.size());
    const auto it = layer_tensor_names().find(hf_name.substr(dot + 1));
    if (it != layer_tensor_names().end()) return "blk." + layer + "." + it->second;
  }
  throw std::logic_error("no llama.cpp name for tensor " + hf_name);
}

// llama3 RoPE in llama.cpp: the plain frequencies base^(-2i/d), each divided by a factor from the
// tensor rope_freqs.weight. The factors are ours (plain over scaled), so llama.cpp rotates by
// exactly the frequencies our engine uses.
ExportTensor llama3_rope_factors(const model::ModelConfig& config) {
  model::ModelConfig plain = config;
  plain.rope.scaling = model::RopeScaling::none;
  const std::vector<float> base = model::make_rope_table(plain, 1).inv_freq;
  const std::vector<float> scaled = model::make_rope_table(config, 1).inv_freq;
  ExportTensor t;
  t.name = "rope_freqs.weight";
  t.hf_shape = {static_cast<int64_t>(base.size())};
  t.keep_f32 = true;
  for (size_t i = 0; i < base.size(); ++i) t.values.push_back(base[i] / scaled[i]);
  return t;
}

}  // namespace

std::vector<int64_t> ExportTensor::gguf_dims() const {
  return std::vector<int64_t>(hf_shape.rbegin(), hf_shape.rend());
}

std::string llama_cpp_architecture(const model::ModelConfig& config, const std::string& where) {
  const std::string family = model::family_name(config.family);
  if (config.family == model::Family::chatglm) {
    throw Error(where + ": model_type chatglm: not supported by the GGUF export (llama, mistral " +
                "and qwen2 are)");
  }
  switch (config.rope.scaling) {
    case model::RopeScaling::none:
    case model::RopeScaling::linear:
    case model::RopeScaling::llama3:
      break;
    case model::RopeScaling::dynamic:
      throw Error(where + ": rope_scaling: type \"dynamic\": llama.cpp has no dynamic NTK " +
                  "scaling, so the exported model would compute other positions");
    case model::RopeScaling::yarn:
      throw Error(where + ": rope_scaling: type \"yarn\": not supported by the GGUF export " +
                  "(none, linear and llama3 are)");
  }
  // llama.cpp's qwen2 graph sizes the query projection as hidden_size.
  if (config.family == model::Family::qwen2 && config.heads * config.head_dim != config.hidden) {
    throw Error(where + ": head_dim: llama.cpp's qwen2 needs num_attention_heads x head_dim = " +
                "hidden_size, got " + std::to_string(config.heads) + " x " +
                std::to_string(config.head_dim) + " != " + std::to_string(config.hidden));
  }
  return is_llama_architecture(config) ? "llama" : family;
}

std::vector<ExportTensor> plan_tensors(const model::ModelConfig& config) {
  std::vector<ExportTensor> out;
  for (const model::HfTensor& hf : model::hf_tensors(config)) {
    ExportTensor t;
    t.name = llama_cpp_name(hf.name);
    t.hf_name = hf.name;
    t.hf_shape = hf.shape;
    t.keep_f32 = hf.shape.size() == 1;
    if (is_llama_architecture(config)) {
      if (t.name.ends_with("attn_q.weight")) t.permute_heads = config.heads;
      if (t.name.ends_with("attn_k.weight")) t.permute_heads = config.kv_heads;
    }
    out.push_back(std::move(t));
    if (out.size() == 1 && config.rope.scaling == model::RopeScaling::llama3) {
      out.push_back(llama3_rope_factors(config));
    }
  }
  return out;
}

void permute_rope_rows(float* rows, int64_t heads, int64_t head_dim, int64_t cols) {
  const int64_t half = head_dim / 2;
  std::vector<float> head(static_cast<size_t>(head_dim * cols));
  for (int64_t h = 0; h < heads; ++h) {
    float* base = rows + h * head_dim * cols;
    std::copy(base, base + head_dim * cols, head.begin());
    for (int64_t s = 0; s < 2; ++s) {
      for (int64_t j = 0; j < half; ++j) {
        const float* from = head.data() + (s * half + j) * cols;
        std::copy(from, from + cols, base + (2 * j + s) * cols);
      }
    }
  }
}

}  // namespace longalign::gguf
