// `longalign model init`, `score` and `bench step` as a user runs them: the files written, the
// numbers printed, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "core/json.h"
#include "data/store.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/safetensors.h"
#include "test_support.h"

namespace longalign {
namespace {

using testing::contains;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr const char* kTinyConfig = R"({"model_type": "llama", "hidden_size": 32,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "intermediate_size": 48, "vocab_size": 97, "max_position_embeddings": 256,
    "rms_norm_eps": 1e-5, "rope_theta": 2000000.0, "hidden_act": "silu",
    "initializer_range": 0.1})";

// A store of three samples; the second has no target token.
fs::path write_store(const TempDir& dir) {
  const fs::path store = dir.path() / "store";
  data::StoreWriter writer(store, data::StoreInfo{});
  writer.add(std::vector<uint32_t>{1, 5, 9, 13, 2}, std::vector<uint8_t>{0, 0, 1, 1, 1}, 0);
  writer.add(std::vector<uint32_t>{4, 4, 4}, std::vector<uint8_t>{0, 0, 0}, 0);
  writer.add(std::vector<uint32_t>{7, 8, 9, 10, 11, 12, 13, 90}, std::vector<uint8_t>(8, 1), 0);
  writer.finish();
  return store;
}

std::vector<Json> json_lines(const std::string& text) {
  std::vector<Json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(parse_json(line, "stdout"));
  return out;
}

TEST(ModelCli, InitWritesAFolderThatLoadsAsTheSeedsWeights) {
  TempDir dir;
  const fs::path config = dir.write("config.json", kTinyConfig), out = dir.path() / "model";
  const auto r = testing::run_longalign("model init --config " + config.string() + " -o " +
                                        out.string() + " --seed 3");
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(fs::exists(out / "config.json"));
  ASSERT_TRUE(fs::exists(out / "model.safetensors"));
  const model::ModelConfig c = model::load_config(out);
  EXPECT_EQ(c.hidden, 32);
  EXPECT_EQ(c.rope.theta, 2000000.0);
  model::Parameters loaded(c), expected(c);
  model::load_parameters(loaded, c, out);
  model::init_parameters(expected, c, 3);
  for (const model::HfTensor& t : model::hf_tensors(c)) {
    for (int64_t i = 0; i < t.numel(); ++i) {
      ASSERT_EQ(loaded.data()[t.offset + i], expected.data()[t.offset + i]) << t.name;
    }
  }
}

TEST(ModelCli, InitRejectsABadConfigNamingTheField) {
  TempDir dir;
  const fs::path config = dir.write("config.json", R"({"model_type": "llama", "vocab_size": 5})");
  const auto r = testing::run_longalign("model init --config " + config.string() + " -o " +
                                        (dir.path() / "m").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "hidden_size")) << r.err;
  EXPECT_FALSE(fs::exists(dir.path() / "m" / "model.safetensors"));
}

// With a zero LM head every logit is 0, so each target token's loss is exactly ln(V).
TEST(ModelCli, ScoreOfAZeroHeadIsLogVocab) {
  TempDir dir;
  const model::ModelConfig c = model::parse_config(parse_json(kTinyConfig, "cfg"), "cfg");
  model::Parameters params(c);
  model::init_parameters(params, c, 1);
  std::fill(params.lm_head, params.lm_head + c.vocab * c.hidden, 0.0f);
  model::save_model(dir.path() / "model", c, params);
  const fs::path store = write_store(dir);
  const auto r = testing::run_longalign("score --model " + (dir.path() / "model").string() + " " +
                                        store.string() + " --json --dtype fp32");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::vector<Json> lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["targets"], 3);
  EXPECT_NEAR(lines[0]["loss"].get<double>(), std::log(97.0), 1e-5);
  EXPECT_TRUE(lines[1]["loss"].is_null());
  EXPECT_EQ(lines[2]["targets"], 7);
  EXPECT_NEAR(lines[2]["loss"].get<double>(), std::log(97.0), 1e-5);
}

// Packed (all samples in one pack) and alone (--max-tokens 1) give the same losses.
TEST(ModelCli, ScorePackedEqualsScoreAlone) {
  TempDir dir;
  const fs::path config = dir.write("config.json", kTinyConfig), model = dir.path() / "model";
  ASSERT_EQ(
      testing::run_longalign("model init --config " + config.string() + " -o " + model.string())
          .code,
      0);
  const fs::path store = write_store(dir);
  const std::string base = "score --model " + model.string() + " " + store.string() + " --json";
  const auto packed = testing::run_longalign(base + " --dtype fp32");
  const auto alone = testing::run_longalign(base + " --dtype fp32 --max-tokens 1");
  ASSERT_EQ(packed.code, 0) << packed.err;
  ASSERT_EQ(alone.code, 0) << alone.err;
  const auto a = json_lines(packed.out), b = json_lines(alone.out);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  for (size_t i : {0u, 2u}) {
    EXPECT_GT(a[i]["loss"].get<double>(), 0.0);
    EXPECT_NEAR(a[i]["loss"].get<double>(), b[i]["loss"].get<double>(), 1e-5);
  }
}

TEST(ModelCli, ScoreNamesAMissingTensor) {
  TempDir dir;
  const model::ModelConfig c = model::parse_config(parse_json(kTinyConfig, "cfg"), "cfg");
  model::Parameters params(c);
  std::vector<model::SafetensorsEntry> entries;
  for (const model::HfTensor& t : model::hf_tensors(c)) {
    if (t.name != "model.norm.weight") {
      entries.push_back({t.name, t.shape, params.data() + t.offset});
    }
  }
  fs::create_directories(dir.path() / "model");
  model::write_safetensors(dir.path() / "model", entries, model::TensorDType::f32, 1 << 30);
  dir.write("model/config.json", kTinyConfig);
  const auto r = testing::run_longalign("score --model " + (dir.path() / "model").string() + " " +
                                        write_store(dir).string());
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "model.norm.weight")) << r.err;
}

TEST(ModelCli, BenchStepReportsThroughputAgainstTheCeiling) {
  TempDir dir;
  const fs::path config = dir.write("config.json", kTinyConfig);
  const auto r =
      testing::run_longalign("bench step --config " + config.string() +
                             " --seqlens 64,32 --steps 2 --dtype fp32 --json --device cpu");
  ASSERT_EQ(r.code, 0) << r.err;
  const Json j = parse_json(r.out, "stdout");
  EXPECT_EQ(j["tokens"], 96);
  EXPECT_GT(j["tokens_per_second"].get<double>(), 0.0);
  EXPECT_GT(j["gemm_ceiling_tflops"].get<double>(), 0.0);
  EXPECT_NEAR(j["fraction_of_ceiling"].get<double>(),
              j["achieved_tflops"].get<double>() / j["gemm_ceiling_tflops"].get<double>(), 1e-9);
  // Three AdamW steps on the same pack lower its loss.
  EXPECT_LT(j["last_loss"].get<double>(), j["first_loss"].get<double>());
  EXPECT_EQ(j["engine"].get<std::string>().rfind("cpu (", 0), 0u) << j["engine"];
}

TEST(ModelCli, BenchStepRejectsBadLengths) {
  TempDir dir;
  const fs::path config = dir.write("config.json", kTinyConfig);
  const auto r =
      testing::run_longalign("bench step --config " + config.string() + " --seqlens 64,x");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--seqlens")) << r.err;
}

}  // namespace
}  // namespace longalign
