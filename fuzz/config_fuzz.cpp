// libFuzzer target for config.json, every family (model/config.h).
//
// The first byte picks the mode:
//   0x00-0x7F  raw: the rest is a config.json, parsed as a user's file is.
//   0x80-0xFF  structured: choices that assemble a config of one family from its real field names,
//              each given a value from a menu of edge cases (zero, negative, huge, fractional,
//              1e300, strings, null) or a plausible size, with or without every rope_scaling type.
//              Raw JSON rarely names the right fields; this reaches every check.
// A longalign::Error is the right answer to a bad config. A config that is accepted must describe
// a model whose tensors can be laid out: heads divisible by key/value heads, even head and rotary
// dimensions, every tensor's element count and their sum within int64, and a finite rope table.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "fuzz_support.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/rope.h"

namespace {

using longalign::Json;
using longalign::fuzz::finding;
namespace model = longalign::model;

Json pick_value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 11)) {
    case 0:
      return 0;
    case 1:
      return -in.ConsumeIntegralInRange<int64_t>(1, 100);
    case 2:
      return in.ConsumeIntegral<int64_t>();
    case 3:
      return in.ConsumeFloatingPoint<double>();
    case 4:
      return 1e300;
    case 5:
      return "32";
    case 6:
      return nullptr;
    case 7:
      return in.ConsumeBool();
    case 8:
      return in.ConsumeIntegralInRange<int64_t>(1, 8);
    case 9:
      return int64_t{1} << in.ConsumeIntegralInRange(0, 62);
    case 10:
      return in.ConsumeProbability<double>() * 4;
    default:
      return in.ConsumeIntegralInRange<int64_t>(1, 256);
  }
}

// Each field present with probability 7/8, its value plausible half the time.
void fill(Json& j, FuzzedDataProvider& in,
          const std::vector<std::pair<const char*, Json>>& fields) {
  for (const auto& [key, plausible] : fields) {
    const int choice = in.ConsumeIntegralInRange(0, 15);
    if (choice == 0) continue;
    j[key] = choice < 9 ? plausible : pick_value(in);
  }
}

Json rope_scaling(FuzzedDataProvider& in) {
  static const char* const kTypes[] = {"linear", "dynamic", "llama3", "yarn", "default", "su"};
  Json r;
  r[in.ConsumeBool() ? "rope_type" : "type"] = kTypes[in.ConsumeIntegralInRange(0, 5)];
  fill(r, in,
       {{"factor", 8.0},
        {"original_max_position_embeddings", 4096},
        {"low_freq_factor", 1.0},
        {"high_freq_factor", 4.0},
        {"beta_fast", 32.0},
        {"beta_slow", 1.0},
        {"attention_factor", 1.2}});
  return r;
}

Json structured_config(FuzzedDataProvider& in) {
  static const char* const kTypes[] = {"llama", "mistral", "qwen2", "chatglm", "gpt2"};
  const char* type = kTypes[in.ConsumeIntegralInRange(0, 4)];
  Json j = {{"model_type", type}};
  if (std::string(type) == "chatglm") {
    fill(j, in,
         {{"hidden_size", 64},
          {"num_layers", 2},
          {"num_attention_heads", 4},
          {"multi_query_attention", true},
          {"multi_query_group_num", 2},
          {"kv_channels", 16},
          {"ffn_hidden_size", 128},
          {"padded_vocab_size", 300},
          {"seq_length", 8192},
          {"layernorm_epsilon", 1e-5},
          {"rope_ratio", 50.0},
          {"add_qkv_bias", true},
          {"rmsnorm", true},
          {"post_layer_norm", true},
          {"tie_word_embeddings", false}});
  } else {
    fill(j, in,
         {{"hidden_size", 64},
          {"num_hidden_layers", 2},
          {"num_attention_heads", 4},
          {"num_key_value_heads", 2},
          {"head_dim", 16},
          {"intermediate_size", 128},
          {"vocab_size", 300},
          {"max_position_embeddings", 4096},
          {"rms_norm_eps", 1e-6},
          {"rope_theta", 500000.0},
          {"hidden_act", "silu"},
          {"tie_word_embeddings", true},
          {"attention_bias", false}});
  }
  if (in.ConsumeBool()) j["rope_scaling"] = rope_scaling(in);
  return j;
}

// The invariants of an accepted config (see the header comment).
void check_accepted(const model::ModelConfig& c) {
  if (c.heads % c.kv_heads != 0) finding("kv_heads does not divide heads");
  if (c.head_dim % 2 != 0 || c.rope.rotary_dim % 2 != 0 || c.rope.rotary_dim <= 0 ||
      c.rope.rotary_dim > c.head_dim) {
    finding("bad head or rotary dimension");
  }
  int64_t total = 0;
  for (const model::HfTensor& t : model::hf_tensors(c)) {
    int64_t n = 1;
    for (int64_t d : t.shape) {
      if (d <= 0 || __builtin_mul_overflow(n, d, &n)) finding("tensor " + t.name + " overflows");
    }
    if (__builtin_add_overflow(total, n, &total)) finding("the parameter count overflows");
  }
  const model::RopeTable table =
      model::make_rope_table(c, 2 * std::min<int64_t>(c.max_position, int64_t{1} << 40));
  if (static_cast<int64_t>(table.inv_freq.size()) * 2 != table.rotary_dim) {
    finding("rope table size");
  }
  for (float f : table.inv_freq) {
    if (!std::isfinite(f)) finding("rope frequency is not finite");
  }
  if (!std::isfinite(table.attention_scale)) finding("rope attention scale is not finite");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  try {
    Json json;
    if (data[0] < 0x80) {
      json = longalign::parse_json(
          std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), "config.json");
    } else {
      FuzzedDataProvider in(data + 1, size - 1);
      json = structured_config(in);
    }
    check_accepted(model::parse_config(json, "config.json"));
  } catch (const longalign::Error&) {
    // A clear error is the right answer to a bad config.
  }
  return 0;
}
