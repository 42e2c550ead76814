#include "model/config.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "test_support.h"

namespace longalign::model {
namespace {

using testing::contains;

ModelConfig parse(const std::string& text) {
  return parse_config(parse_json(text, "config.json"), "config.json");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// The released config.json files, as Hugging Face hosts them (a few unused keys left out).
const char* kLlama2_7B = R"({
  "architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
  "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02,
  "intermediate_size": 11008, "max_position_embeddings": 4096, "model_type": "llama",
  "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32,
  "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null,
  "tie_word_embeddings": false, "torch_dtype": "float16", "use_cache": true, "vocab_size": 32000
})";

const char* kLlama31_8B = R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "bos_token_id": 128000, "eos_token_id": 128001, "hidden_act": "silu", "hidden_size": 4096,
  "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 131072,
  "mlp_bias": false, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32,
  "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
  "vocab_size": 128256
})";

const char* kMistral7B = R"({
  "architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
  "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02,
  "intermediate_size": 14336, "max_position_embeddings": 32768, "model_type": "mistral",
  "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
  "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 32000
})";

const char* kQwen2_0_5B = R"({
  "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
  "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
  "intermediate_size": 4864, "max_position_embeddings": 131072, "max_window_layers": 24,
  "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24,
  "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
  "sliding_window": 131072, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
  "use_sliding_window": false, "vocab_size": 151936
})";

// THUDM/chatglm3-6b-32k: the 6B model with rope_ratio 50 and a 32k context.
const char* kChatGLM3_6B = R"({
  "_name_or_path": "THUDM/chatglm3-6b-32k", "model_type": "chatglm",
  "architectures": ["ChatGLMModel"], "add_bias_linear": false, "add_qkv_bias": true,
  "apply_query_key_layer_scaling": true, "apply_residual_connection_post_layernorm": false,
  "attention_dropout": 0.0, "attention_softmax_in_fp32": true, "bias_dropout_fusion": true,
  "ffn_hidden_size": 13696, "fp32_residual_connection": false, "hidden_dropout": 0.0,
  "hidden_size": 4096, "kv_channels": 128, "layernorm_epsilon": 1e-05,
  "multi_query_attention": true, "multi_query_group_num": 2, "num_attention_heads": 32,
  "num_layers": 28, "original_rope": true, "padded_vocab_size": 65024, "post_layer_norm": true,
  "rmsnorm": true, "rope_ratio": 50, "seq_length": 32768, "use_cache": true,
  "torch_dtype": "float16", "tie_word_embeddings": false, "eos_token_id": 2, "pad_token_id": 0
})";

// Qwen2.5-7B-Instruct with the YaRN block its model card suggests for 128k contexts.
const char* kQwen25_Yarn = R"({
  "hidden_act": "silu", "hidden_size": 3584, "intermediate_size": 18944,
  "max_position_embeddings": 32768, "model_type": "qwen2", "num_attention_heads": 28,
  "num_hidden_layers": 28, "num_key_value_heads": 4, "rms_norm_eps": 1e-06,
  "rope_theta": 1000000.0, "tie_word_embeddings": false, "vocab_size": 152064,
  "rope_scaling": {"factor": 4.0, "original_max_position_embeddings": 32768, "type": "yarn"}
})";

TEST(Config, Llama2_7B) {
  const ModelConfig c = parse(kLlama2_7B);
  EXPECT_EQ(c.family, Family::llama);
  EXPECT_STREQ(family_name(c.family), "llama");
  EXPECT_EQ(c.hidden, 4096);
  EXPECT_EQ(c.layers, 32);
  EXPECT_EQ(c.heads, 32);
  EXPECT_EQ(c.kv_heads, 32);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.intermediate, 11008);
  EXPECT_EQ(c.vocab, 32000);
  EXPECT_EQ(c.max_position, 4096);
  EXPECT_DOUBLE_EQ(c.rms_eps, 1e-5);
  EXPECT_DOUBLE_EQ(c.initializer_range, 0.02);
  EXPECT_FALSE(c.qkv_bias);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_DOUBLE_EQ(c.rope.theta, 10000.0);
  EXPECT_EQ(c.rope.scaling, RopeScaling::none);
  EXPECT_EQ(c.rope.rotary_dim, 128);
  EXPECT_FALSE(c.rope.interleaved);
  EXPECT_EQ(c.qkv_dim(), 3 * 4096);
  EXPECT_EQ(c.source, parse_json(kLlama2_7B, "x"));
}

TEST(Config, Llama31_8B_Llama3Scaling) {
  const ModelConfig c = parse(kLlama31_8B);
  EXPECT_EQ(c.family, Family::llama);
  EXPECT_EQ(c.kv_heads, 8);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.intermediate, 14336);
  EXPECT_EQ(c.vocab, 128256);
  EXPECT_EQ(c.max_position, 131072);
  EXPECT_DOUBLE_EQ(c.rope.theta, 500000.0);
  EXPECT_EQ(c.rope.scaling, RopeScaling::llama3);
  EXPECT_DOUBLE_EQ(c.rope.factor, 8.0);
  EXPECT_DOUBLE_EQ(c.rope.low_freq_factor, 1.0);
  EXPECT_DOUBLE_EQ(c.rope.high_freq_factor, 4.0);
  EXPECT_EQ(c.rope.original_max_position, 8192);
  EXPECT_EQ(c.qkv_dim(), (32 + 16) * 128);
}

TEST(Config, Mistral7B) {
  const ModelConfig c = parse(kMistral7B);
  EXPECT_EQ(c.family, Family::mistral);
  EXPECT_STREQ(family_name(c.family), "mistral");
  EXPECT_EQ(c.hidden, 4096);
  EXPECT_EQ(c.layers, 32);
  EXPECT_EQ(c.heads, 32);
  EXPECT_EQ(c.kv_heads, 8);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.intermediate, 14336);
  EXPECT_EQ(c.vocab, 32000);
  EXPECT_EQ(c.max_position, 32768);
  EXPECT_FALSE(c.qkv_bias);
  EXPECT_EQ(c.rope.scaling, RopeScaling::none);
  EXPECT_DOUBLE_EQ(c.rope.theta, 10000.0);
}

TEST(Config, Qwen2_0_5B_TiedWithBias) {
  const ModelConfig c = parse(kQwen2_0_5B);
  EXPECT_EQ(c.family, Family::qwen2);
  EXPECT_STREQ(family_name(c.family), "qwen2");
  EXPECT_EQ(c.hidden, 896);
  EXPECT_EQ(c.layers, 24);
  EXPECT_EQ(c.heads, 14);
  EXPECT_EQ(c.kv_heads, 2);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.intermediate, 4864);
  EXPECT_EQ(c.vocab, 151936);
  EXPECT_EQ(c.max_position, 131072);
  EXPECT_DOUBLE_EQ(c.rms_eps, 1e-6);
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_DOUBLE_EQ(c.rope.theta, 1e6);
  EXPECT_EQ(c.rope.rotary_dim, 64);
  EXPECT_EQ(c.qkv_dim(), (14 + 4) * 64);
}

TEST(Config, ChatGLM3_6B) {
  const ModelConfig c = parse(kChatGLM3_6B);
  EXPECT_EQ(c.family, Family::chatglm);
  EXPECT_STREQ(family_name(c.family), "chatglm");
  EXPECT_EQ(c.hidden, 4096);
  EXPECT_EQ(c.layers, 28);
  EXPECT_EQ(c.heads, 32);
  EXPECT_EQ(c.kv_heads, 2);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.intermediate, 13696);
  EXPECT_EQ(c.vocab, 65024);
  EXPECT_EQ(c.max_position, 32768);
  EXPECT_DOUBLE_EQ(c.rms_eps, 1e-5);
  EXPECT_DOUBLE_EQ(c.initializer_range, 0.02);
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_DOUBLE_EQ(c.rope.theta, 500000.0);
  EXPECT_EQ(c.rope.scaling, RopeScaling::none);
  EXPECT_EQ(c.rope.rotary_dim, 64);
  EXPECT_TRUE(c.rope.interleaved);
  EXPECT_EQ(c.qkv_dim(), 4608);
}

TEST(Config, ChatGLMWithoutMultiQueryHasOneKvHeadPerHead) {
  Json j = parse_json(kChatGLM3_6B, "x");
  j["multi_query_attention"] = false;
  j.erase("rope_ratio");
  const ModelConfig c = parse_config(j, "config.json");
  EXPECT_EQ(c.kv_heads, 32);
  EXPECT_DOUBLE_EQ(c.rope.theta, 10000.0);
}

TEST(Config, YarnScaling) {
  const ModelConfig c = parse(kQwen25_Yarn);
  EXPECT_EQ(c.rope.scaling, RopeScaling::yarn);
  EXPECT_DOUBLE_EQ(c.rope.factor, 4.0);
  EXPECT_EQ(c.rope.original_max_position, 32768);
  EXPECT_DOUBLE_EQ(c.rope.beta_fast, 32.0);
  EXPECT_DOUBLE_EQ(c.rope.beta_slow, 1.0);
  EXPECT_DOUBLE_EQ(c.rope.attention_factor, 0.0);
  EXPECT_EQ(c.head_dim, 128);

  Json j = parse_json(kQwen25_Yarn, "x");
  j["rope_scaling"] = {{"rope_type", "yarn"},
                       {"factor", 2.0},
                       {"beta_fast", 16},
                       {"beta_slow", 2},
                       {"attention_factor", 1.25}};
  const ModelConfig d = parse_config(j, "config.json");
  EXPECT_DOUBLE_EQ(d.rope.factor, 2.0);
  EXPECT_EQ(d.rope.original_max_position, 32768);  // max_position_embeddings when absent
  EXPECT_DOUBLE_EQ(d.rope.beta_fast, 16.0);
  EXPECT_DOUBLE_EQ(d.rope.beta_slow, 2.0);
  EXPECT_DOUBLE_EQ(d.rope.attention_factor, 1.25);
}

TEST(Config, DynamicAndLinearScaling) {
  Json j = parse_json(kLlama2_7B, "x");
  j["rope_scaling"] = {{"type", "dynamic"}, {"factor", 2.0}};
  const ModelConfig dynamic = parse_config(j, "config.json");
  EXPECT_EQ(dynamic.rope.scaling, RopeScaling::dynamic);
  EXPECT_DOUBLE_EQ(dynamic.rope.factor, 2.0);
  EXPECT_EQ(dynamic.rope.original_max_position, 4096);

  j["rope_scaling"] = {{"type", "linear"}, {"factor", 4}};
  const ModelConfig linear = parse_config(j, "config.json");
  EXPECT_EQ(linear.rope.scaling, RopeScaling::linear);
  EXPECT_DOUBLE_EQ(linear.rope.factor, 4.0);

  j["rope_scaling"] = {{"rope_type", "default"}};
  EXPECT_EQ(parse_config(j, "config.json").rope.scaling, RopeScaling::none);
}

TEST(Config, ExplicitHeadDimAndDefaults) {
  Json j = parse_json(kMistral7B, "x");
  j["head_dim"] = 64;
  j.erase("num_key_value_heads");
  j.erase("rope_theta");
  j.erase("initializer_range");
  j.erase("tie_word_embeddings");
  const ModelConfig c = parse_config(j, "config.json");
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.rope.rotary_dim, 64);
  EXPECT_EQ(c.kv_heads, 32);
  EXPECT_DOUBLE_EQ(c.rope.theta, 10000.0);
  EXPECT_DOUBLE_EQ(c.initializer_range, 0.02);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.qkv_dim(), 96 * 64);
}

// Each message starts with the file and names the offending field.
void expect_error(const Json& j, const std::string& field) {
  try {
    parse_config(j, "config.json");
    ADD_FAILURE() << "no error for " << field;
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("config.json: ", 0), 0u) << what;
    EXPECT_TRUE(contains(what, field)) << what;
  }
}

TEST(Config, ErrorsNameTheField) {
  const Json llama = parse_json(kLlama2_7B, "x");
  Json j = llama;
  j.erase("intermediate_size");
  expect_error(j, "intermediate_size");

  j = llama;
  j["model_type"] = "gpt2";
  expect_error(j, "model_type");

  j = llama;
  j["num_key_value_heads"] = 5;
  expect_error(j, "num_key_value_heads");

  j = llama;
  j["hidden_act"] = "gelu";
  expect_error(j, "hidden_act");

  j = llama;
  j["hidden_size"] = -4096;
  expect_error(j, "hidden_size");

  j = llama;
  j["attention_bias"] = true;
  expect_error(j, "attention_bias");

  j = llama;
  j["rope_scaling"] = {{"type", "longrope"}, {"factor", 2.0}};
  expect_error(j, "rope_scaling: type");

  j = llama;
  j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}};
  expect_error(j, "rope_scaling: original_max_position_embeddings");

  const Json glm = parse_json(kChatGLM3_6B, "x");
  j = glm;
  j["rmsnorm"] = false;
  expect_error(j, "rmsnorm");
  j = glm;
  j["add_bias_linear"] = true;
  expect_error(j, "add_bias_linear");
  j = glm;
  j["apply_residual_connection_post_layernorm"] = true;
  expect_error(j, "apply_residual_connection_post_layernorm");
  j = glm;
  j["post_layer_norm"] = false;
  expect_error(j, "post_layer_norm");
  j = glm;
  j["multi_query_group_num"] = 3;
  expect_error(j, "multi_query_group_num");
  j = glm;
  j.erase("kv_channels");
  expect_error(j, "kv_channels");

  EXPECT_TRUE(contains(error_of("[1, 2]"), "config.json"));
}

TEST(Config, LoadFromFileOrFolder) {
  const testing::TempDir dir;
  const auto file = dir.write("model/config.json", kMistral7B);
  EXPECT_EQ(load_config(file).family, Family::mistral);
  EXPECT_EQ(load_config(dir.path() / "model").intermediate, 14336);
  try {
    load_config(dir.path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), (dir.path() / "config.json").string())) << e.what();
  }
  dir.write("bad/config.json", R"({"model_type": "llama", "hidden_size": 4096})");
  try {
    load_config(dir.path() / "bad");
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), (dir.path() / "bad" / "config.json").string())) << e.what();
    EXPECT_TRUE(contains(e.what(), "num_hidden_layers")) << e.what();
  }
}

}  // namespace
}  // namespace longalign::model
