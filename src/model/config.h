// A model's architecture, read from a Hugging Face config.json. Four families share one internal
// layout (see weights.h): llama (Llama-2/-3), mistral, qwen2 and chatglm (ChatGLM3).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/json.h"

namespace longalign::model {

enum class Family { llama, mistral, qwen2, chatglm };

// rope_scaling of config.json. `none` keeps the plain frequencies base^(-2i/d).
enum class RopeScaling { none, linear, dynamic, llama3, yarn };

struct RopeConfig {
  double theta = 10000.0;  // rope_theta (ChatGLM: 10000 * rope_ratio)
  RopeScaling scaling = RopeScaling::none;
  double factor = 1.0;                // linear, dynamic, llama3, yarn
  int64_t original_max_position = 0;  // llama3, yarn: original_max_position_embeddings
  double low_freq_factor = 1.0;       // llama3
  double high_freq_factor = 4.0;      // llama3
  double beta_fast = 32.0;            // yarn
  double beta_slow = 1.0;             // yarn
  double attention_factor = 0.0;      // yarn: 0 = 0.1 * ln(factor) + 1, as transformers computes
  // Which dimensions rotate and how they pair up:
  //   llama, mistral, qwen2: all head_dim dimensions, pairs (i, i + d/2) ("rotate_half");
  //   chatglm: the first head_dim/2 dimensions, adjacent pairs (2i, 2i + 1).
  int64_t rotary_dim = 0;
  bool interleaved = false;
};

struct ModelConfig {
  Family family = Family::llama;
  int64_t hidden = 0;  // C
  int64_t layers = 0;
  int64_t heads = 0;         // H query heads
  int64_t kv_heads = 0;      // G key/value heads (H % G == 0)
  int64_t head_dim = 0;      // D
  int64_t intermediate = 0;  // I, the SwiGLU width
  int64_t vocab = 0;         // V (ChatGLM: padded_vocab_size)
  int64_t max_position = 0;  // max_position_embeddings (ChatGLM: seq_length)
  double rms_eps = 1e-6;
  double initializer_range = 0.02;
  bool qkv_bias = false;  // qwen2, chatglm (add_qkv_bias); llama's attention_bias
  bool tie_word_embeddings = false;
  RopeConfig rope;
  Json source;  // the config.json as read, written back unchanged on save

  int64_t qkv_dim() const { return (heads + 2 * kv_heads) * head_dim; }
};

// Parses config.json (a file or a model folder holding one). Unknown model_type, a missing or
// inconsistent field is an Error naming the file and the field.
ModelConfig load_config(const std::filesystem::path& path);
ModelConfig parse_config(const Json& json, const std::string& where);

const char* family_name(Family family);

}  // namespace longalign::model
