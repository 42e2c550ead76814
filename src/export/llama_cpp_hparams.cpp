#include "export/llama_cpp_hparams.h"

namespace longalign::gguf {

namespace {

// GGML_QNT_VERSION: the quantized formats' version, which llama.cpp's converter always writes.
constexpr uint32_t kQuantizationVersion = 2;

uint32_t u32(int64_t n) {
  return static_cast<uint32_t>(n);
}

}  // namespace

void add_model_metadata(Writer& writer, const model::ModelConfig& config,
                        const std::string& architecture, const std::string& name,
                        uint32_t file_type) {
  const std::string a = architecture + ".";
  writer.add_string("general.architecture", architecture);
  writer.add_string("general.type", "model");
  writer.add_string("general.name", name);
  writer.add_u32("general.file_type", file_type);
  writer.add_u32("general.quantization_version", kQuantizationVersion);
  writer.add_u32(a + "vocab_size", u32(config.vocab));
  writer.add_u32(a + "context_length", u32(config.max_position));
  writer.add_u32(a + "embedding_length", u32(config.hidden));
  writer.add_u32(a + "block_count", u32(config.layers));
  writer.add_u32(a + "feed_forward_length", u32(config.intermediate));
  writer.add_u32(a + "attention.head_count", u32(config.heads));
  writer.add_u32(a + "attention.head_count_kv", u32(config.kv_heads));
  // Written always: llama.cpp otherwise derives the head size as hidden_size / heads, which
  // configs with an explicit head_dim contradict.
  writer.add_u32(a + "attention.key_length", u32(config.head_dim));
  writer.add_u32(a + "attention.value_length", u32(config.head_dim));
  writer.add_u32(a + "rope.dimension_count", u32(config.head_dim));
  writer.add_f32(a + "rope.freq_base", static_cast<float>(config.rope.theta));
  writer.add_f32(a + "attention.layer_norm_rms_epsilon", static_cast<float>(config.rms_eps));
  // llama3 scaling travels as the rope_freqs tensor (llama_cpp_tensors.h); none needs no key.
  if (config.rope.scaling == model::RopeScaling::linear) {
    writer.add_string(a + "rope.scaling.type", "linear");
    writer.add_f32(a + "rope.scaling.factor", static_cast<float>(config.rope.factor));
  }
}

}  // namespace longalign::gguf
