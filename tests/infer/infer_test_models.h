// Tiny random models of every family for the inference tests: llama, mistral (one kv head),
// qwen2 (qkv bias, tied embeddings) and chatglm (qkv bias, half-rotary adjacent pairs). Weights
// are drawn with a large initializer range so that logits differ clearly between tokens.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "infer/generation.h"
#include "model/config.h"
#include "model/parameters.h"

namespace longalign::infer {

inline const char* const kFamilyConfigs[] = {
    R"({"model_type": "llama", "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 24,
        "vocab_size": 61, "max_position_embeddings": 128, "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "initializer_range": 0.2})",
    R"({"model_type": "mistral", "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 1, "intermediate_size": 24,
        "vocab_size": 61, "max_position_embeddings": 128, "rms_norm_eps": 1e-5,
        "rope_theta": 500.0, "initializer_range": 0.2})",
    R"({"model_type": "qwen2", "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 24,
        "vocab_size": 61, "max_position_embeddings": 128, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "initializer_range": 0.2, "tie_word_embeddings": true})",
    R"({"model_type": "chatglm", "hidden_size": 32, "num_layers": 2, "num_attention_heads": 4,
        "multi_query_attention": true, "multi_query_group_num": 2, "kv_channels": 8,
        "ffn_hidden_size": 24, "padded_vocab_size": 61, "seq_length": 128,
        "layernorm_epsilon": 1e-5, "add_qkv_bias": true, "rope_ratio": 2,
        "initializer_range": 0.2})",
};

inline model::ModelConfig family_config(int index) {
  return model::parse_config(parse_json(kFamilyConfigs[index], "test config"), "test config");
}

inline std::shared_ptr<model::Parameters> random_params(const model::ModelConfig& config,
                                                        uint64_t seed) {
  auto params = std::make_shared<model::Parameters>(config);
  model::init_parameters(*params, config, seed);
  // Biases start at 0; random ones make qwen2's and chatglm's bias paths count.
  for (model::LayerParams& layer : params->layers) {
    if (!layer.bqkv) continue;
    for (int64_t i = 0; i < config.qkv_dim(); ++i) layer.bqkv[i] = 0.1f * float((i * 7) % 11 - 5);
  }
  return params;
}

// A greedy request for `max_new` tokens after `prompt`.
inline GenerationRequest greedy(std::vector<int32_t> prompt, int64_t max_new) {
  GenerationRequest r;
  r.prompt = std::move(prompt);
  r.sampling.temperature = 0;
  r.max_new_tokens = max_new;
  return r;
}

inline std::string family_of(const ::testing::TestParamInfo<int>& info) {
  return model::family_name(family_config(info.param).family);
}

}  // namespace longalign::infer
