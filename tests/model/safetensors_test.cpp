#include "model/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <set>

#include "core/error.h"
#include "model/bf16.h"
#include "model/tiny_config.h"
#include "test_support.h"

namespace longalign::model {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::TempDir;

std::string le_bytes(uint64_t v, int bytes) {
  std::string s;
  for (int b = 0; b < bytes; ++b) s.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  return s;
}

std::string f32_bytes(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  return le_bytes(bits, 4);
}

// A safetensors file put together by hand: u64 header length, header, data.
std::string file_bytes(const std::string& header, const std::string& data) {
  return le_bytes(header.size(), 8) + header + data;
}

using testing::error_of;

TEST(Safetensors, ReadsAHandWrittenFileInEveryDtype) {
  // Data laid out b, c, a (not header order), after a header whose length is not a multiple
  // of 8, so every tensor sits at an odd address.
  const std::string header = R"({"__metadata__":{"format":"pt"},)"
                             R"("a":{"dtype":"F32","shape":[2,3],"data_offsets":[26,50]},)"
                             R"("b":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]},)"
                             R"("c":{"dtype":"F16","shape":[3,3],"data_offsets":[8,26]}})";
  ASSERT_NE(header.size() % 8, 0u);
  std::string data;
  for (const uint16_t v : {0x3F80, 0xC000, 0x3EAB, 0x7F80}) data += le_bytes(v, 2);
  for (const uint16_t v :
       {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x3555, 0x8000, 0x3800, 0x5640, 0x03FF}) {
    data += le_bytes(v, 2);
  }
  const float a[6] = {1.5f, -2.0f, 0.25f, 3e-8f, 1e30f, -0.0f};
  for (const float x : a) data += f32_bytes(x);

  const TempDir dir;
  const fs::path file = dir.write("hand.safetensors", file_bytes(header, data));
  const SafetensorsReader reader(file);
  EXPECT_EQ(reader.names(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(reader.contains("c"));
  EXPECT_FALSE(reader.contains("__metadata__"));
  EXPECT_EQ(reader.info("a").dtype, TensorDType::f32);
  EXPECT_EQ(reader.info("b").dtype, TensorDType::bf16);
  EXPECT_EQ(reader.info("c").dtype, TensorDType::f16);
  EXPECT_EQ(reader.info("c").shape, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(reader.info("a").file, file.string());

  float got_a[6];
  reader.read_f32("a", {2, 3}, got_a);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(std::memcmp(&got_a[i], &a[i], 4), 0) << i;

  float got_b[4];
  reader.read_f32("b", {4}, got_b);
  EXPECT_EQ(got_b[0], 1.0f);
  EXPECT_EQ(got_b[1], -2.0f);
  EXPECT_EQ(got_b[2], 0.333984375f);
  EXPECT_EQ(got_b[3], std::numeric_limits<float>::infinity());

  float got_c[9];
  reader.read_f32("c", {3, 3}, got_c);
  const float expected_c[9] = {1.0f,  -2.0f, 65504.0f, std::ldexp(1.0f, -24),       0.333251953125f,
                               -0.0f, 0.5f,  100.0f,   1023 * std::ldexp(1.0f, -24)};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(got_c[i], expected_c[i]) << i;
  EXPECT_TRUE(std::signbit(got_c[5]));

  const std::string wrong_shape = error_of([&] { reader.read_f32("c", {9}, got_c); });
  EXPECT_TRUE(contains(wrong_shape, "tensor c")) << wrong_shape;
  EXPECT_TRUE(contains(wrong_shape, "[3, 3]")) << wrong_shape;
  EXPECT_TRUE(contains(wrong_shape, "[9]")) << wrong_shape;
  EXPECT_TRUE(contains(error_of([&] { reader.info("d"); }), "d"));
}

TEST(Safetensors, OtherDtypesAreCheckedButOnlyFailWhenRead) {
  const std::string header = R"({"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})";
  const TempDir dir;
  const fs::path file = dir.write("ids.safetensors", file_bytes(header, std::string(16, '\0')));
  const SafetensorsReader reader(file);
  EXPECT_TRUE(reader.contains("ids"));
  float out[2];
  const std::string e = error_of([&] { reader.read_f32("ids", {2}, out); });
  EXPECT_TRUE(contains(e, "tensor ids")) << e;
  EXPECT_TRUE(contains(e, "I64")) << e;
}

std::vector<float> tensor_values(const Parameters& p, const HfTensor& t) {
  return std::vector<float>(p.data() + t.offset, p.data() + t.offset + t.numel());
}

TEST(Safetensors, SaveThenLoadIsExactInF32ForEveryFamily) {
  const std::pair<Family, bool> cases[] = {{Family::llama, false},   {Family::llama, true},
                                           {Family::mistral, false}, {Family::qwen2, true},
                                           {Family::chatglm, false}, {Family::chatglm, true}};
  for (const auto& [family, tied] : cases) {
    SCOPED_TRACE(std::string(family_name(family)) + (tied ? " tied" : ""));
    const ModelConfig c = tiny_config(family, tied);
    Parameters saved(c), loaded(c);
    init_parameters(saved, c, 11);
    const TempDir dir;
    const fs::path folder = dir.path() / "model";
    save_model(folder, c, saved);
    EXPECT_TRUE(fs::exists(folder / "model.safetensors"));
    EXPECT_EQ(load_config(folder).source, c.source);
    load_parameters(loaded, c, folder);
    EXPECT_EQ(std::memcmp(saved.data(), loaded.data(), size_t(saved.size()) * sizeof(float)), 0);

    const SafetensorsReader reader(folder);
    for (const HfTensor& t : hf_tensors(c)) {
      EXPECT_EQ(reader.info(t.name).dtype, TensorDType::f32);
      EXPECT_EQ(reader.info(t.name).shape, t.shape);
    }
    const size_t expected_count = hf_tensors(c).size() + (family == Family::chatglm ? 1 : 0);
    EXPECT_EQ(reader.names().size(), expected_count);
  }
}

TEST(Safetensors, SaveInBf16AndF16RoundsEachValue) {
  for (const Family family : {Family::qwen2, Family::chatglm}) {
    const ModelConfig c = tiny_config(family, false);
    Parameters saved(c), loaded(c);
    init_parameters(saved, c, 5);
    const TempDir dir;
    save_model(dir.path() / "bf16", c, saved, {TensorDType::bf16});
    load_parameters(loaded, c, dir.path() / "bf16");
    const SafetensorsReader reader(dir.path() / "bf16");
    for (const HfTensor& t : hf_tensors(c)) {
      EXPECT_EQ(reader.info(t.name).dtype, TensorDType::bf16);
      const std::vector<float> before = tensor_values(saved, t), after = tensor_values(loaded, t);
      for (size_t i = 0; i < before.size(); ++i) {
        ASSERT_EQ(after[i], round_bf16(before[i])) << t.name << "[" << i << "]";
      }
    }

    save_model(dir.path() / "f16", c, saved, {TensorDType::f16});
    load_parameters(loaded, c, dir.path() / "f16");
    for (const HfTensor& t : hf_tensors(c)) {
      const std::vector<float> before = tensor_values(saved, t), after = tensor_values(loaded, t);
      for (size_t i = 0; i < before.size(); ++i) {
        // f16 keeps 11 significant bits; below 2^-14 its step is 2^-24.
        const float tolerance = std::ldexp(std::fabs(before[i]), -11) + std::ldexp(1.0f, -25);
        ASSERT_NEAR(after[i], before[i], tolerance) << t.name << "[" << i << "]";
      }
    }
  }
}

TEST(Safetensors, ChatGLMSavesTheRotaryBuffer) {
  const ModelConfig c = tiny_config(Family::chatglm, false);
  const Parameters p(c);
  const TempDir dir;
  save_model(dir.path(), c, p);
  const SafetensorsReader reader(dir.path());
  float inv_freq[2];
  reader.read_f32("transformer.rotary_pos_emb.inv_freq", {2}, inv_freq);
  // head_dim 8: GLM rotates 4 dimensions, 2 pairs, 1 / 10000^(2i / 4).
  EXPECT_EQ(inv_freq[0], 1.0f);
  EXPECT_FLOAT_EQ(inv_freq[1], 0.01f);
}

TEST(Safetensors, ShardsWithIndexAndStaleFilesRemoved) {
  const ModelConfig c = tiny_config(Family::qwen2, false);
  Parameters saved(c), loaded(c);
  init_parameters(saved, c, 3);
  const TempDir dir;
  save_model(dir.path(), c, saved, {TensorDType::f32, 8192});
  EXPECT_FALSE(fs::exists(dir.path() / "model.safetensors"));
  const Json index = read_json_file(dir.path() / "model.safetensors.index.json");
  int64_t total = 0;
  std::set<std::string> shard_files;
  for (const HfTensor& t : hf_tensors(c)) {
    total += t.numel() * 4;
    ASSERT_TRUE(index["weight_map"].contains(t.name)) << t.name;
    shard_files.insert(index["weight_map"][t.name].get<std::string>());
  }
  EXPECT_EQ(index["metadata"]["total_size"].get<int64_t>(), total);
  ASSERT_GT(shard_files.size(), 2u);
  std::set<std::string> expected_files;
  for (size_t k = 1; k <= shard_files.size(); ++k) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", k, shard_files.size());
    expected_files.insert(name);
  }
  EXPECT_EQ(shard_files, expected_files);
  for (const std::string& f : shard_files) {
    // Each shard keeps to the limit, the header aside (no tensor here is over 8 KiB).
    const SafetensorsReader shard(dir.path() / f);
    int64_t bytes = 0;
    for (const std::string& name : shard.names()) {
      int64_t n = 4;
      for (const int64_t d : shard.info(name).shape) n *= d;
      bytes += n;
    }
    EXPECT_LE(bytes, 8192) << f;
  }
  load_parameters(loaded, c, dir.path());
  EXPECT_EQ(std::memcmp(saved.data(), loaded.data(), size_t(saved.size()) * sizeof(float)), 0);

  // A later unsharded save replaces the shards; a later sharded one the single file.
  init_parameters(saved, c, 4);
  save_model(dir.path(), c, saved);
  for (const std::string& f : shard_files) EXPECT_FALSE(fs::exists(dir.path() / f)) << f;
  EXPECT_FALSE(fs::exists(dir.path() / "model.safetensors.index.json"));
  load_parameters(loaded, c, dir.path());
  EXPECT_EQ(std::memcmp(saved.data(), loaded.data(), size_t(saved.size()) * sizeof(float)), 0);
  save_model(dir.path(), c, saved, {TensorDType::bf16, 4096});
  EXPECT_FALSE(fs::exists(dir.path() / "model.safetensors"));
  EXPECT_TRUE(fs::exists(dir.path() / "model.safetensors.index.json"));
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    EXPECT_FALSE(contains(entry.path().filename().string(), ".tmp.")) << entry.path();
  }
}

TEST(Safetensors, ExtraTensorsAreIgnored) {
  const ModelConfig untied = tiny_config(Family::llama, false);
  const ModelConfig tied = tiny_config(Family::llama, true);
  Parameters saved(untied), loaded(tied);
  init_parameters(saved, untied, 9);
  const TempDir dir;
  save_model(dir.path(), untied, saved);
  load_parameters(loaded, tied, dir.path());  // lm_head.weight is in the file, unused
  EXPECT_EQ(std::memcmp(saved.embed, loaded.embed, 40 * 32 * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(saved.layers[1].w_down, loaded.layers[1].w_down, 32 * 48 * 4), 0);
}

// Each corrupt file gives an Error that names the file and, where one is involved, the tensor.
void expect_corrupt(const std::string& bytes, const std::vector<std::string>& words) {
  const TempDir dir;
  const fs::path file = dir.write("bad.safetensors", bytes);
  const std::string e = error_of([&] { SafetensorsReader reader(file); });
  EXPECT_TRUE(contains(e, file.string())) << e;
  for (const std::string& w : words) EXPECT_TRUE(contains(e, w)) << e;
}

TEST(Safetensors, CorruptFilesAreErrorsNamingFileAndTensor) {
  expect_corrupt(std::string("\x10\x00\x00", 3), {"truncated"});
  expect_corrupt(le_bytes(1000, 8) + "{}", {"header length 1000"});
  expect_corrupt(file_bytes(R"({"a": {"dtype": "F32",)", ""), {"malformed JSON"});
  expect_corrupt(
      file_bytes(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", std::string(4, '\0')),
      {"tensor w", "data_offsets"});
  expect_corrupt(
      file_bytes(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')),
      {"tensor w", "needs 12"});
  expect_corrupt(
      file_bytes(R"({"w":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}})", std::string(8, '\0')),
      {"tensor w", "F17"});
  expect_corrupt(file_bytes(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
                            std::string(8, '\0')),
                 {"tensor w", "shape"});

  // A real file cut short: the last tensor's data now runs past the end.
  const ModelConfig c = tiny_config(Family::mistral, false);
  const Parameters p(c);
  const TempDir dir;
  save_model(dir.path(), c, p);
  std::string bytes = testing::read_text_file(dir.path() / "model.safetensors");
  bytes.resize(bytes.size() - 4);
  expect_corrupt(bytes, {"tensor ", "outside the data"});
}

TEST(Safetensors, ShardListedInIndexMustExist) {
  const TempDir dir;
  dir.write("model.safetensors.index.json",
            R"({"metadata": {}, "weight_map": {"w": "model-00001-of-00002.safetensors"}})");
  const std::string e = error_of([&] { SafetensorsReader reader(dir.path()); });
  EXPECT_TRUE(contains(e, (dir.path() / "model-00001-of-00002.safetensors").string())) << e;
  const TempDir empty;
  EXPECT_TRUE(
      contains(error_of([&] { SafetensorsReader reader(empty.path()); }), empty.path().string()));
}

TEST(Safetensors, MissingTensorAndShapeMismatchNameTheTensor) {
  const ModelConfig c = tiny_config(Family::llama, false);
  Parameters p(c);
  const TempDir dir;
  std::vector<SafetensorsEntry> entries;
  for (const HfTensor& t : hf_tensors(c)) {
    if (t.name != "model.layers.1.mlp.up_proj.weight") {
      entries.push_back({t.name, t.shape, p.data() + t.offset});
    }
  }
  write_safetensors(dir.path(), entries, TensorDType::f32, int64_t{1} << 30);
  const std::string missing = error_of([&] { load_parameters(p, c, dir.path()); });
  EXPECT_EQ(missing, dir.path().string() + ": missing tensor model.layers.1.mlp.up_proj.weight");

  save_model(dir.path(), c, p);
  const ModelConfig wider = tiny_config(Family::llama, false, 64);
  Parameters q(wider);
  const std::string mismatch = error_of([&] { load_parameters(q, wider, dir.path()); });
  EXPECT_TRUE(contains(mismatch, "model.layers.0.mlp.gate_proj.weight")) << mismatch;
  EXPECT_TRUE(contains(mismatch, "[48, 32]")) << mismatch;
  EXPECT_TRUE(contains(mismatch, "[64, 32]")) << mismatch;
}

}  // namespace
}  // namespace longalign::model
