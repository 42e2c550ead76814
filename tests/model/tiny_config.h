// Tiny configs of every family for the model tests.
#pragma once

#include <cstdint>

#include "model/config.h"

namespace longalign::model {

// A tiny model of each family: C = 32, 2 layers, H = 4, G = 2, D = 8, I = 48, V = 40.
inline ModelConfig tiny_config(Family family, bool tied, int64_t intermediate = 48) {
  Json j;
  if (family == Family::chatglm) {
    j = {{"model_type", "chatglm"},
         {"hidden_size", 32},
         {"num_layers", 2},
         {"num_attention_heads", 4},
         {"multi_query_attention", true},
         {"multi_query_group_num", 2},
         {"kv_channels", 8},
         {"ffn_hidden_size", intermediate},
         {"padded_vocab_size", 40},
         {"seq_length", 64},
         {"layernorm_epsilon", 1e-5},
         {"add_qkv_bias", true},
         {"tie_word_embeddings", tied}};
  } else {
    j = {{"model_type", family_name(family)},
         {"hidden_size", 32},
         {"num_hidden_layers", 2},
         {"num_attention_heads", 4},
         {"num_key_value_heads", 2},
         {"intermediate_size", intermediate},
         {"vocab_size", 40},
         {"max_position_embeddings", 64},
         {"rms_norm_eps", 1e-6},
         {"tie_word_embeddings", tied}};
  }
  return parse_config(j, "tiny");
}

}  // namespace longalign::model
