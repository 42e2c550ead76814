#include "model/config.h"

#include <cmath>

#include "core/error.h"

namespace longalign::model {

namespace fs = std::filesystem;

namespace {

// Typed reads of one config.json field; every message is "<where>: <field>: <what>".
class Fields {
 public:
  Fields(const Json& json, const std::string& where) : json_(json), where_(where) {
    if (!json.is_object()) throw Error(where + ": expected a JSON object");
  }

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error(where_ + ": " + field + ": " + what);
  }

  // Absent and null both mean "not given": transformers writes null for unset optional fields.
  bool has(const char* key) const {
    const auto it = json_.find(key);
    return it != json_.end() && !it->is_null();
  }

  const Json& get(const char* key) const {
    if (!has(key)) fail(key, "missing");
    return json_.at(key);
  }

  int64_t positive_int(const char* key) const {
    const Json& value = get(key);
    if (!value.is_number_integer() || value.get<int64_t>() <= 0) {
      fail(key, "must be a positive integer, got " + value.dump());
    }
    return value.get<int64_t>();
  }

  int64_t positive_int_or(const char* key, int64_t fallback) const {
    return has(key) ? positive_int(key) : fallback;
  }

  double positive_number(const char* key) const {
    const Json& value = get(key);
    if (!value.is_number() || !(value.get<double>() > 0) || !std::isfinite(value.get<double>())) {
      fail(key, "must be a positive number, got " + value.dump());
    }
    return value.get<double>();
  }

  double positive_number_or(const char* key, double fallback) const {
    return has(key) ? positive_number(key) : fallback;
  }

  bool boolean_or(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const Json& value = json_.at(key);
    if (!value.is_boolean()) fail(key, "must be true or false, got " + value.dump());
    return value.get<bool>();
  }

  std::string string(const char* key) const {
    const Json& value = get(key);
    if (!value.is_string()) fail(key, "must be a string, got " + value.dump());
    return value.get<std::string>();
  }

  std::string string_or(const char* key, const std::string& fallback) const {
    return has(key) ? string(key) : fallback;
  }

  const std::string& where() const { return where_; }

 private:
  const Json& json_;
  std::string where_;
};

RopeScaling parse_scaling_type(const std::string& type, const Fields& fields) {
  if (type == "default") return RopeScaling::none;
  if (type == "linear") return RopeScaling::linear;
  if (type == "dynamic") return RopeScaling::dynamic;
  if (type == "llama3") return RopeScaling::llama3;
  if (type == "yarn") return RopeScaling::yarn;
  fields.fail("type",
              "unsupported \"" + type + "\" (expected linear, dynamic, llama3, yarn or default)");
}

// rope_scaling: null, or {"type" | "rope_type": ..., "factor": ..., ...}. Newer configs spell the
// type "rope_type"; older ones "type".
void parse_rope_scaling(const Json& json, const std::string& where, int64_t max_position,
                        RopeConfig& rope) {
  if (!json.contains("rope_scaling") || json["rope_scaling"].is_null()) return;
  const Fields fields(json["rope_scaling"], where + ": rope_scaling");
  const std::string type =
      fields.has("rope_type") ? fields.string("rope_type") : fields.string("type");
  rope.scaling = parse_scaling_type(type, fields);
  if (rope.scaling == RopeScaling::none) return;

  rope.factor = fields.positive_number("factor");
  if (rope.factor < 1.0) fields.fail("factor", "must be at least 1");
  if (rope.scaling == RopeScaling::llama3) {
    rope.original_max_position = fields.positive_int("original_max_position_embeddings");
    rope.low_freq_factor = fields.positive_number("low_freq_factor");
    rope.high_freq_factor = fields.positive_number("high_freq_factor");
    if (rope.high_freq_factor <= rope.low_freq_factor) {
      fields.fail("high_freq_factor", "must be greater than low_freq_factor");
    }
  } else if (rope.scaling == RopeScaling::yarn || rope.scaling == RopeScaling::dynamic) {
    // transformers falls back to max_position_embeddings, the length the model was trained at.
    rope.original_max_position =
        fields.positive_int_or("original_max_position_embeddings", max_position);
  }
  if (rope.scaling == RopeScaling::yarn) {
    rope.beta_fast = fields.positive_number_or("beta_fast", rope.beta_fast);
    rope.beta_slow = fields.positive_number_or("beta_slow", rope.beta_slow);
    rope.attention_factor = fields.positive_number_or("attention_factor", 0.0);
    // It multiplies cos and sin: transformers' own default stays below 2 for any real factor.
    if (rope.attention_factor > 100) fields.fail("attention_factor", "must be at most 100");
  }
}

// Llama, Mistral and Qwen2 share LlamaConfig's field names.
ModelConfig parse_llama_like(const Json& json, Family family, const Fields& fields) {
  ModelConfig c;
  c.family = family;
  c.hidden = fields.positive_int("hidden_size");
  c.layers = fields.positive_int("num_hidden_layers");
  c.heads = fields.positive_int("num_attention_heads");
  c.kv_heads = fields.positive_int_or("num_key_value_heads", c.heads);
  if (!fields.has("head_dim") && c.hidden % c.heads != 0) {
    fields.fail("hidden_size", "must be a multiple of num_attention_heads when head_dim is absent");
  }
  c.head_dim = fields.positive_int_or("head_dim", c.hidden / c.heads);
  c.intermediate = fields.positive_int("intermediate_size");
  c.vocab = fields.positive_int("vocab_size");
  c.max_position = fields.positive_int("max_position_embeddings");
  c.rms_eps = fields.positive_number("rms_norm_eps");
  c.initializer_range = fields.positive_number_or("initializer_range", 0.02);
  c.tie_word_embeddings = fields.boolean_or("tie_word_embeddings", false);

  const std::string act = fields.string_or("hidden_act", "silu");
  if (act != "silu") fields.fail("hidden_act", "unsupported \"" + act + "\" (only silu)");

  if (family == Family::qwen2) c.qkv_bias = true;
  if (family == Family::llama) {
    // Llama's attention_bias also adds a bias to o_proj, which the layout has no place for.
    if (fields.boolean_or("attention_bias", false)) fields.fail("attention_bias", "unsupported");
    if (fields.boolean_or("mlp_bias", false)) fields.fail("mlp_bias", "unsupported");
  }
  // Mistral's sliding_window is not modelled: attention always sees the whole sequence.

  c.rope.theta = fields.positive_number_or("rope_theta", 10000.0);
  c.rope.rotary_dim = c.head_dim;
  c.rope.interleaved = false;
  parse_rope_scaling(json, fields.where(), c.max_position, c.rope);
  return c;
}

// ChatGLM3's config.json (ChatGLMConfig). Only the GLM block LongAlign trained is supported:
// RMSNorm, no biases except on query_key_value, pre-norm residuals and a final norm.
ModelConfig parse_chatglm(const Fields& fields) {
  if (!fields.boolean_or("rmsnorm", true)) fields.fail("rmsnorm", "unsupported false");
  if (fields.boolean_or("add_bias_linear", false))
    fields.fail("add_bias_linear", "unsupported true");
  if (fields.boolean_or("apply_residual_connection_post_layernorm", false)) {
    fields.fail("apply_residual_connection_post_layernorm", "unsupported true");
  }
  if (!fields.boolean_or("post_layer_norm", true))
    fields.fail("post_layer_norm", "unsupported false");

  ModelConfig c;
  c.family = Family::chatglm;
  c.hidden = fields.positive_int("hidden_size");
  c.layers = fields.positive_int("num_layers");
  c.heads = fields.positive_int("num_attention_heads");
  c.kv_heads = fields.boolean_or("multi_query_attention", false)
                   ? fields.positive_int("multi_query_group_num")
                   : c.heads;
  c.head_dim = fields.positive_int("kv_channels");
  c.intermediate = fields.positive_int("ffn_hidden_size");
  c.vocab = fields.positive_int("padded_vocab_size");
  c.max_position = fields.positive_int("seq_length");
  c.rms_eps = fields.positive_number("layernorm_epsilon");
  c.initializer_range = fields.positive_number_or("initializer_range", 0.02);
  c.qkv_bias = fields.boolean_or("add_qkv_bias", false);
  c.tie_word_embeddings = fields.boolean_or("tie_word_embeddings", false);

  // GLM rotates the first half of each head, adjacent pairs, with base 10000 * rope_ratio.
  c.rope.theta = 10000.0 * fields.positive_number_or("rope_ratio", 1.0);
  c.rope.rotary_dim = c.head_dim / 2;
  c.rope.interleaved = true;
  return c;
}

// Sizes past these are no model's: the largest published ones stay well inside (hidden 16384,
// vocabulary 256k, 128 layers, head_dim 256, 10M positions). The bounds keep every tensor's
// element count, and their sum, far inside int64, and the attention kernels' per-head buffers
// small.
void check_bounds(const ModelConfig& c, const Fields& fields) {
  const bool glm = c.family == Family::chatglm;
  const struct {
    const char* key;
    int64_t value, max;
  } bounds[] = {{"hidden_size", c.hidden, int64_t{1} << 20},
                {glm ? "num_layers" : "num_hidden_layers", c.layers, 4096},
                {"num_attention_heads", c.heads, 4096},
                {glm ? "kv_channels" : "head_dim", c.head_dim, 16384},
                {glm ? "ffn_hidden_size" : "intermediate_size", c.intermediate, int64_t{1} << 22},
                {glm ? "padded_vocab_size" : "vocab_size", c.vocab, int64_t{1} << 24},
                {glm ? "seq_length" : "max_position_embeddings", c.max_position, int64_t{1} << 30}};
  for (const auto& b : bounds) {
    if (b.value > b.max) {
      fields.fail(b.key, std::to_string(b.value) + " is larger than any model's (at most " +
                             std::to_string(b.max) + ")");
    }
  }
}

void validate(const ModelConfig& c, const Fields& fields) {
  check_bounds(c, fields);
  const bool glm = c.family == Family::chatglm;
  if (c.heads % c.kv_heads != 0) {
    fields.fail(glm ? "multi_query_group_num" : "num_key_value_heads",
                std::to_string(c.kv_heads) + " does not divide " + std::to_string(c.heads) +
                    " attention heads");
  }
  if (c.head_dim % 2 != 0) {
    fields.fail(glm ? "kv_channels" : "head_dim",
                "must be even for rotary embeddings, got " + std::to_string(c.head_dim));
  }
  if (c.rope.rotary_dim % 2 != 0) {
    fields.fail("kv_channels", "must be a multiple of 4 for GLM's half-head rotary embedding");
  }
  // The frequencies are theta^(-2i/d): a base of 1 or less does not decay, and a subnormal one
  // overflows to infinity. Published bases run from 10^4 to 5 * 10^8.
  if (!(c.rope.theta > 1 && c.rope.theta <= 1e15)) {
    fields.fail(
        glm ? "rope_ratio" : "rope_theta",
        "gives a rotary base of " + Json(c.rope.theta).dump() + "; it must be in (1, 1e15]");
  }
  // Dynamic NTK scaling raises the base to dim / (dim - 2): two rotated dimensions divide by zero.
  if (c.rope.scaling == RopeScaling::dynamic && c.rope.rotary_dim < 4) {
    fields.fail(glm ? "kv_channels" : "head_dim",
                "rotates " + std::to_string(c.rope.rotary_dim) +
                    " dimensions; dynamic rope_scaling needs at least 4");
  }
}

}  // namespace

ModelConfig parse_config(const Json& json, const std::string& where) {
  const Fields fields(json, where);
  const std::string type = fields.string("model_type");
  ModelConfig config;
  if (type == "llama") {
    config = parse_llama_like(json, Family::llama, fields);
  } else if (type == "mistral") {
    config = parse_llama_like(json, Family::mistral, fields);
  } else if (type == "qwen2") {
    config = parse_llama_like(json, Family::qwen2, fields);
  } else if (type == "chatglm") {
    config = parse_chatglm(fields);
  } else {
    fields.fail("model_type",
                "unsupported \"" + type + "\" (expected llama, mistral, qwen2 or chatglm)");
  }
  validate(config, fields);
  config.source = json;
  return config;
}

ModelConfig load_config(const fs::path& path) {
  const fs::path file = fs::is_directory(path) ? path / "config.json" : path;
  return parse_config(read_json_file(file), file.string());
}

const char* family_name(Family family) {
  switch (family) {
    case Family::llama:
      return "llama";
    case Family::mistral:
      return "mistral";
    case Family::qwen2:
      return "qwen2";
    case Family::chatglm:
      return "chatglm";
  }
  return "unknown";
}

}  // namespace longalign::model
