#include "model/parameters.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <map>

#include "model/tiny_config.h"

namespace longalign::model {
namespace {

struct Case {
  Family family;
  bool tied;
};

const Case kCases[] = {{Family::llama, false}, {Family::llama, true}, {Family::mistral, false},
                       {Family::qwen2, false}, {Family::qwen2, true}, {Family::chatglm, false},
                       {Family::chatglm, true}};

// The floats the internal layout holds, counted from the documented shapes.
int64_t layout_numel(const ModelConfig& c) {
  const int64_t C = c.hidden, I = c.intermediate, qkv = (c.heads + 2 * c.kv_heads) * c.head_dim;
  const int64_t layer =
      C + qkv * C + (c.qkv_bias ? qkv : 0) + C * c.heads * c.head_dim + C + 2 * I * C + C * I;
  return c.vocab * C + c.layers * layer + C + (c.tie_word_embeddings ? 0 : c.vocab * C);
}

std::map<std::string, HfTensor> by_name(const std::vector<HfTensor>& tensors) {
  std::map<std::string, HfTensor> m;
  for (const HfTensor& t : tensors) m[t.name] = t;
  return m;
}

TEST(Parameters, HfTensorsCoverTheLayoutWithoutOverlap) {
  for (const Case& k : kCases) {
    SCOPED_TRACE(std::string(family_name(k.family)) + (k.tied ? " tied" : " untied"));
    const ModelConfig c = tiny_config(k.family, k.tied);
    const Parameters p(c);
    const std::vector<HfTensor> tensors = hf_tensors(c);
    std::vector<int> owners(static_cast<size_t>(p.size()), 0);
    int64_t covered = 0;
    for (const HfTensor& t : tensors) {
      ASSERT_GE(t.offset, 0) << t.name;
      ASSERT_LE(t.offset + t.numel(), p.size()) << t.name;
      for (int64_t i = 0; i < t.numel(); ++i) ++owners[static_cast<size_t>(t.offset + i)];
      covered += t.numel();
    }
    for (size_t i = 0; i < owners.size(); ++i) ASSERT_LE(owners[i], 1) << "overlap at " << i;
    EXPECT_EQ(covered, layout_numel(c));
    // Padding only: at most 15 floats per internal tensor (9 tensors at most per layer).
    EXPECT_LT(p.size() - covered, 16 * (3 + 7 * c.layers));
    EXPECT_EQ(by_name(tensors).size(), tensors.size()) << "duplicate names";
  }
}

TEST(Parameters, LlamaNamesAgreeWithPointers) {
  for (const Family family : {Family::llama, Family::qwen2}) {
    const ModelConfig c = tiny_config(family, false);
    const Parameters p(c);
    const auto t = by_name(hf_tensors(c));
    const float* base = p.data();
    const int64_t C = 32, I = 48, q = 4 * 8, kv = 2 * 8;
    auto at = [&](const std::string& name) { return base + t.at(name).offset; };
    EXPECT_EQ(at("model.embed_tokens.weight"), p.embed);
    EXPECT_EQ(t.at("model.embed_tokens.weight").shape, (std::vector<int64_t>{40, C}));
    for (int i = 0; i < 2; ++i) {
      const LayerParams& l = p.layers[static_cast<size_t>(i)];
      const std::string n = "model.layers." + std::to_string(i) + ".";
      EXPECT_EQ(at(n + "input_layernorm.weight"), l.attn_norm);
      EXPECT_EQ(at(n + "self_attn.q_proj.weight"), l.wqkv);
      EXPECT_EQ(at(n + "self_attn.k_proj.weight"), l.wqkv + q * C);
      EXPECT_EQ(at(n + "self_attn.v_proj.weight"), l.wqkv + (q + kv) * C);
      EXPECT_EQ(t.at(n + "self_attn.q_proj.weight").shape, (std::vector<int64_t>{q, C}));
      EXPECT_EQ(t.at(n + "self_attn.k_proj.weight").shape, (std::vector<int64_t>{kv, C}));
      EXPECT_EQ(t.at(n + "self_attn.v_proj.weight").shape, (std::vector<int64_t>{kv, C}));
      if (family == Family::qwen2) {
        EXPECT_EQ(at(n + "self_attn.q_proj.bias"), l.bqkv);
        EXPECT_EQ(at(n + "self_attn.k_proj.bias"), l.bqkv + q);
        EXPECT_EQ(at(n + "self_attn.v_proj.bias"), l.bqkv + q + kv);
        EXPECT_TRUE(t.at(n + "self_attn.v_proj.bias").is_bias);
      } else {
        EXPECT_EQ(l.bqkv, nullptr);
        EXPECT_FALSE(t.count(n + "self_attn.q_proj.bias"));
      }
      EXPECT_EQ(at(n + "self_attn.o_proj.weight"), l.wo);
      EXPECT_EQ(t.at(n + "self_attn.o_proj.weight").shape, (std::vector<int64_t>{C, q}));
      EXPECT_EQ(at(n + "post_attention_layernorm.weight"), l.mlp_norm);
      EXPECT_TRUE(t.at(n + "post_attention_layernorm.weight").is_norm);
      EXPECT_EQ(at(n + "mlp.gate_proj.weight"), l.w_gate_up);
      EXPECT_EQ(at(n + "mlp.up_proj.weight"), l.w_gate_up + I * C);
      EXPECT_EQ(at(n + "mlp.down_proj.weight"), l.w_down);
      EXPECT_EQ(t.at(n + "mlp.down_proj.weight").shape, (std::vector<int64_t>{C, I}));
    }
    EXPECT_EQ(at("model.norm.weight"), p.final_norm);
    EXPECT_EQ(at("lm_head.weight"), p.lm_head);
    EXPECT_NE(p.lm_head, p.embed);
  }
  const ModelConfig tied = tiny_config(Family::llama, true);
  const Parameters p(tied);
  EXPECT_EQ(p.lm_head, p.embed);
  EXPECT_FALSE(by_name(hf_tensors(tied)).count("lm_head.weight"));
}

TEST(Parameters, ChatGLMNamesAgreeWithPointers) {
  const ModelConfig c = tiny_config(Family::chatglm, false);
  const Parameters p(c);
  const auto t = by_name(hf_tensors(c));
  auto at = [&](const std::string& name) { return p.data() + t.at(name).offset; };
  EXPECT_EQ(at("transformer.embedding.word_embeddings.weight"), p.embed);
  for (int i = 0; i < 2; ++i) {
    const LayerParams& l = p.layers[static_cast<size_t>(i)];
    const std::string n = "transformer.encoder.layers." + std::to_string(i) + ".";
    EXPECT_EQ(at(n + "input_layernorm.weight"), l.attn_norm);
    EXPECT_EQ(at(n + "self_attention.query_key_value.weight"), l.wqkv);
    EXPECT_EQ(t.at(n + "self_attention.query_key_value.weight").shape,
              (std::vector<int64_t>{64, 32}));
    EXPECT_EQ(at(n + "self_attention.query_key_value.bias"), l.bqkv);
    EXPECT_EQ(at(n + "self_attention.dense.weight"), l.wo);
    EXPECT_EQ(at(n + "post_attention_layernorm.weight"), l.mlp_norm);
    EXPECT_EQ(at(n + "mlp.dense_h_to_4h.weight"), l.w_gate_up);
    EXPECT_EQ(t.at(n + "mlp.dense_h_to_4h.weight").shape, (std::vector<int64_t>{96, 32}));
    EXPECT_EQ(at(n + "mlp.dense_4h_to_h.weight"), l.w_down);
  }
  EXPECT_EQ(at("transformer.encoder.final_layernorm.weight"), p.final_norm);
  EXPECT_EQ(at("transformer.output_layer.weight"), p.lm_head);
}

TEST(Parameters, TensorsAre64ByteAligned) {
  const ModelConfig c = tiny_config(Family::qwen2, false);
  const Parameters p(c);
  auto aligned = [](const float* x) { return reinterpret_cast<uintptr_t>(x) % 64 == 0; };
  EXPECT_TRUE(aligned(p.embed));
  EXPECT_TRUE(aligned(p.final_norm));
  EXPECT_TRUE(aligned(p.lm_head));
  for (const LayerParams& l : p.layers) {
    for (const float* x : {l.attn_norm, l.wqkv, l.bqkv, l.wo, l.mlp_norm, l.w_gate_up, l.w_down}) {
      EXPECT_TRUE(aligned(x));
    }
  }
  for (int64_t i = 0; i < p.size(); ++i) ASSERT_EQ(p.data()[i], 0.0f);
}

TEST(Parameters, InitIsDeterministicAndIndependentOfThreads) {
  Json j = tiny_config(Family::qwen2, false).source;
  j["vocab_size"] = 4096;  // an embedding long enough to be drawn in several blocks
  const ModelConfig c = parse_config(j, "tiny");
  Parameters a(c), b(c), other(c);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  init_parameters(a, c, 42);
  omp_set_num_threads(std::max(2, threads));
  init_parameters(b, c, 42);
  init_parameters(other, c, 43);
  omp_set_num_threads(threads);
  const size_t bytes = static_cast<size_t>(a.size()) * sizeof(float);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), bytes), 0);
  EXPECT_NE(std::memcmp(a.data(), other.data(), bytes), 0);
}

TEST(Parameters, InitDrawsNormalsForMatricesOnesForNormsZerosForBiases) {
  Json j = tiny_config(Family::chatglm, false).source;
  j["padded_vocab_size"] = 1024;  // 32k embedding values for the statistics
  j["initializer_range"] = 0.05;
  const ModelConfig c = parse_config(j, "tiny");
  Parameters p(c);
  init_parameters(p, c, 7);
  std::vector<bool> seen(static_cast<size_t>(p.size()), false);
  for (const HfTensor& t : hf_tensors(c)) {
    const float* x = p.data() + t.offset;
    for (int64_t i = 0; i < t.numel(); ++i) seen[static_cast<size_t>(t.offset + i)] = true;
    if (t.is_norm || t.is_bias) {
      for (int64_t i = 0; i < t.numel(); ++i) ASSERT_EQ(x[i], t.is_norm ? 1.0f : 0.0f) << t.name;
      continue;
    }
    double sum = 0, sum_sq = 0;
    int64_t within_one_sigma = 0;
    for (int64_t i = 0; i < t.numel(); ++i) {
      sum += x[i];
      sum_sq += double(x[i]) * x[i];
      within_one_sigma += std::fabs(x[i]) < 0.05;
    }
    const double n = double(t.numel());
    const double mean = sum / n, stddev = std::sqrt(sum_sq / n - mean * mean);
    // Standard errors: mean 0.05 / sqrt(n), stddev about 0.05 / sqrt(2n); bounds are ~5 of them.
    EXPECT_LT(std::fabs(mean), 5 * 0.05 / std::sqrt(n)) << t.name;
    EXPECT_NEAR(stddev, 0.05, 5 * 0.05 / std::sqrt(2 * n)) << t.name;
    if (n >= 30000) {
      EXPECT_NEAR(within_one_sigma / n, 0.6827, 0.015) << t.name;
    }
  }
  for (int64_t i = 0; i < p.size(); ++i) {
    if (!seen[static_cast<size_t>(i)]) {
      ASSERT_EQ(p.data()[i], 0.0f) << "padding at " << i;
    }
  }
  p.zero();
  for (int64_t i = 0; i < p.size(); ++i) ASSERT_EQ(p.data()[i], 0.0f);
}

}  // namespace
}  // namespace longalign::model
