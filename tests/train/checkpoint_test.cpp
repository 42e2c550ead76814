// Checkpoints on real files: a save loads back bit for bit; pruning; a truncated, altered or
// incomplete checkpoint and an unfinished save are passed over for the previous checkpoint.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/file_io.h"
#include "core/json.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/safetensors.h"
#include "test_support.h"
#include "train/adamw.h"
#include "train/checkpoint.h"

namespace longalign::train {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

const char* kConfig = R"({"model_type": "llama", "hidden_size": 16, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 24,
    "vocab_size": 37, "max_position_embeddings": 64, "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0, "hidden_act": "silu", "initializer_range": 0.2})";

// A model with its optimizer a few steps in, so the moments and step count are not zero.
struct TrainingState {
  model::ModelConfig config = model::parse_config(parse_json(kConfig, "config"), "config");
  model::Parameters params{config};
  AdamW optimizer{config, params.size(), AdamWOptions{}};

  explicit TrainingState(uint64_t seed) {
    model::init_parameters(params, config, seed);
    std::vector<float> grads(static_cast<size_t>(params.size()));
    for (int step = 0; step < 3; ++step) {
      for (size_t i = 0; i < grads.size(); ++i) {
        grads[i] = static_cast<float>((i * 7 + step * 13 + seed) % 17) * 0.01f - 0.08f;
      }
      optimizer.step(params.data(), grads.data(), 1e-3);
    }
  }

  CheckpointContents contents(const Json& trainer = Json::object()) {
    return {&config, &params, &optimizer, trainer, fs::path()};
  }
};

bool same_floats(const float* a, const float* b, int64_t n) {
  return std::memcmp(a, b, static_cast<size_t>(n) * sizeof(float)) == 0;
}

std::vector<std::string> names(const std::vector<fs::path>& dirs) {
  std::vector<std::string> out;
  for (const fs::path& dir : dirs) out.push_back(dir.filename().string());
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

TEST(Checkpoint, SaveThenLoadIsBitIdentical) {
  TempDir tmp;
  const fs::path source = tmp.path() / "source";
  tmp.write("source/tokenizer.json", R"({"model": {}})");
  tmp.write("source/tokenizer_config.json", "{}");
  tmp.write("source/special_tokens_map.json", "a");
  TrainingState saved(1);
  const Json trainer = {{"epoch", 2}, {"plan_cursor", 17}, {"rng", "0123456789abcdef"}};
  CheckpointContents contents = saved.contents(trainer);
  contents.tokenizer_source = source;

  const fs::path dir = save_checkpoint(tmp.path() / "out", 7, contents, 0);
  EXPECT_EQ(dir, tmp.path() / "out" / "checkpoint-7");
  EXPECT_EQ(testing::read_text_file(dir / "tokenizer.json"), R"({"model": {}})");
  EXPECT_TRUE(fs::exists(dir / "tokenizer_config.json"));
  EXPECT_FALSE(fs::exists(dir / "tokenizer.model"));
  EXPECT_EQ(model::SafetensorsReader(dir).info("model.embed_tokens.weight").dtype,
            model::TensorDType::f32);

  // FNV-1a 64 of the one byte "a" is the published test vector af63dc4c8601ec8c.
  const Json state = read_json_file(dir / "trainer_state.json");
  EXPECT_EQ(state["step"], 7);
  EXPECT_EQ(state["optimizer_steps"], 3);
  EXPECT_EQ(state["files"]["special_tokens_map.json"]["bytes"], 1);
  EXPECT_EQ(state["files"]["special_tokens_map.json"]["fnv1a64"], "af63dc4c8601ec8c");
  EXPECT_EQ(state["files"]["model.safetensors"]["bytes"], fs::file_size(dir / "model.safetensors"));

  TrainingState loaded(2);
  ASSERT_FALSE(same_floats(loaded.params.data(), saved.params.data(), saved.params.size()));
  const Json trainer_back = load_checkpoint(dir, loaded.config, loaded.params, loaded.optimizer);
  EXPECT_EQ(trainer_back, trainer);
  EXPECT_TRUE(same_floats(loaded.params.data(), saved.params.data(), saved.params.size()));
  EXPECT_TRUE(same_floats(loaded.optimizer.first_moment().data(),
                          saved.optimizer.first_moment().data(), saved.params.size()));
  EXPECT_TRUE(same_floats(loaded.optimizer.second_moment().data(),
                          saved.optimizer.second_moment().data(), saved.params.size()));
  EXPECT_EQ(loaded.optimizer.steps(), 3);
}

TEST(Checkpoint, ListsByStepAndKeepLastPrunesTheOldest) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  TrainingState state(1);
  for (const int64_t step : {9, 10, 100}) save_checkpoint(out, step, state.contents(), 0);
  tmp.write("out/checkpoint-x/config.json", "{}");
  EXPECT_EQ(names(list_checkpoints(out)),
            (std::vector<std::string>{"checkpoint-9", "checkpoint-10", "checkpoint-100"}));

  save_checkpoint(out, 200, state.contents(), 2);
  EXPECT_EQ(names(list_checkpoints(out)),
            (std::vector<std::string>{"checkpoint-100", "checkpoint-200"}));
  EXPECT_TRUE(fs::exists(out / "checkpoint-x"));
}

TEST(Checkpoint, SavingOlderStepRemovesNewerCheckpoints) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  TrainingState state(1);
  for (const int64_t step : {10, 20, 30}) save_checkpoint(out, step, state.contents(), 0);
  save_checkpoint(out, 25, state.contents(), 2);
  EXPECT_EQ(names(list_checkpoints(out)),
            (std::vector<std::string>{"checkpoint-20", "checkpoint-25"}));
}

// Two checkpoints; `damage` spoils the newer one, which must then be passed over.
void expect_previous_chosen(void (*damage)(const fs::path& newer), const std::string& problem) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  TrainingState state(1);
  save_checkpoint(out, 10, state.contents(), 0);
  save_checkpoint(out, 20, state.contents(), 0);
  damage(out / "checkpoint-20");

  std::vector<std::string> skipped;
  const std::optional<fs::path> found = latest_valid_checkpoint(out, &skipped);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->filename(), "checkpoint-10");
  ASSERT_EQ(skipped.size(), 1u) << joined(skipped);
  EXPECT_TRUE(testing::contains(skipped[0], problem)) << skipped[0];
}

TEST(Checkpoint, TruncatedModelIsSkipped) {
  expect_previous_chosen(
      [](const fs::path& dir) {
        fs::resize_file(dir / "model.safetensors", fs::file_size(dir / "model.safetensors") - 4);
      },
      "checkpoint-20: model.safetensors: ");
}

TEST(Checkpoint, FlippedByteInOptimizerIsSkipped) {
  expect_previous_chosen(
      [](const fs::path& dir) {
        std::string bytes = read_file(dir / "optimizer.safetensors");
        bytes[bytes.size() / 2] ^= 0x10;
        write_file_atomic(dir / "optimizer.safetensors", bytes);
      },
      "checkpoint-20: optimizer.safetensors: checksum mismatch");
}

TEST(Checkpoint, MissingTrainerStateIsSkipped) {
  expect_previous_chosen([](const fs::path& dir) { fs::remove(dir / "trainer_state.json"); },
                         "checkpoint-20: trainer_state.json: missing");
}

TEST(Checkpoint, MissingListedFileIsSkipped) {
  expect_previous_chosen([](const fs::path& dir) { fs::remove(dir / "config.json"); },
                         "checkpoint-20: config.json: missing");
}

TEST(Checkpoint, UnfinishedSaveIsIgnoredAndRemovedByTheNextSave) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  TrainingState state(1);
  save_checkpoint(out, 10, state.contents(), 0);
  save_checkpoint(out, 20, state.contents(), 0);
  // A save killed just before its rename: complete files under the temporary name.
  fs::copy(out / "checkpoint-20", out / ".checkpoint-30.tmp-4242", fs::copy_options::recursive);

  std::vector<std::string> skipped;
  const std::optional<fs::path> found = latest_valid_checkpoint(out, &skipped);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->filename(), "checkpoint-20");
  ASSERT_EQ(skipped.size(), 1u) << joined(skipped);
  EXPECT_TRUE(testing::contains(skipped[0], ".checkpoint-30.tmp-4242: an unfinished save"));

  save_checkpoint(out, 30, state.contents(), 0);
  EXPECT_FALSE(fs::exists(out / ".checkpoint-30.tmp-4242"));
}

TEST(Checkpoint, NoValidCheckpoint) {
  TempDir tmp;
  EXPECT_FALSE(latest_valid_checkpoint(tmp.path() / "absent", nullptr).has_value());
  TrainingState state(1);
  save_checkpoint(tmp.path(), 10, state.contents(), 0);
  tmp.write("checkpoint-10/trainer_state.json", "{\"format\": 1,");
  std::vector<std::string> skipped;
  EXPECT_FALSE(latest_valid_checkpoint(tmp.path(), &skipped).has_value());
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_TRUE(testing::contains(skipped[0], "checkpoint-10: ")) << skipped[0];
}

TEST(Checkpoint, SavingOverTheSameStepReplacesIt) {
  TempDir tmp;
  TrainingState first(1), second(2);
  save_checkpoint(tmp.path(), 10, first.contents({{"run", 1}}), 0);
  const fs::path dir = save_checkpoint(tmp.path(), 10, second.contents({{"run", 2}}), 0);

  std::vector<fs::path> entries;
  for (const fs::directory_entry& e : fs::directory_iterator(tmp.path())) {
    entries.push_back(e.path());
  }
  EXPECT_EQ(names(entries), std::vector<std::string>{"checkpoint-10"});
  EXPECT_EQ(latest_valid_checkpoint(tmp.path(), nullptr), dir);
  TrainingState loaded(3);
  EXPECT_EQ(load_checkpoint(dir, loaded.config, loaded.params, loaded.optimizer),
            (Json{{"run", 2}}));
  EXPECT_TRUE(same_floats(loaded.params.data(), second.params.data(), second.params.size()));
}

TEST(Checkpoint, LoadMismatchNamesFileAndTensor) {
  TempDir tmp;
  TrainingState state(1);
  const fs::path dir = save_checkpoint(tmp.path(), 10, state.contents(), 0);
  const std::vector<float> short_moment(5, 0.0f);
  const std::vector<model::SafetensorsEntry> entries = {{"exp_avg", {5}, short_moment.data()},
                                                        {"exp_avg_sq", {5}, short_moment.data()}};
  fs::create_directory(tmp.path() / "scratch");
  model::write_safetensors(tmp.path() / "scratch", entries, model::TensorDType::f32, 1 << 20);
  fs::rename(tmp.path() / "scratch" / "model.safetensors", dir / "optimizer.safetensors");

  TrainingState loaded(2);
  try {
    load_checkpoint(dir, loaded.config, loaded.params, loaded.optimizer);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_TRUE(testing::contains(e.what(), "optimizer.safetensors")) << e.what();
    EXPECT_TRUE(testing::contains(e.what(), "exp_avg")) << e.what();
  }
}

}  // namespace
}  // namespace longalign::train
