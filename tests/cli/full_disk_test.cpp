// The commands that write data, on a disk that fills up (tests/full_disk.h), a read-only folder
// and a missing input: each fails with an error that names the file and the reason, what an
// earlier run wrote is intact and still loads, and a later run with room succeeds.
//   data prepare:            a per-file size cap (any user);
//   train's checkpoint and
//   final model save:        a real tmpfs that is full in total (root only, skipped otherwise).
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <string>

#include "core/file_io.h"
#include "data/store.h"
#include "full_disk.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/safetensors.h"
#include "test_support.h"
#include "train/adamw.h"
#include "train/checkpoint.h"
#include "train/train_setup.h"

namespace longalign {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::run_longalign;
using testing::shell_quote;
using testing::SmallTmpfs;
using testing::TempDir;

std::string chat_lines(int count, size_t answer_bytes) {
  std::string text;
  for (int i = 0; i < count; ++i) {
    text += R"({"messages": [{"role": "user", "content": "Question )" + std::to_string(i) +
            R"("}, {"role": "assistant", "content": ")" + std::string(answer_bytes, 'a') +
            "\"}]}\n";
  }
  return text;
}

std::string prepare_args(const fs::path& input, const fs::path& out) {
  return "data prepare --tokenizer " + shell_quote(testing::npm_tokenizer_dir("llama2").string()) +
         " --template llama2 --max-len 4096 --truncate right -o " + shell_quote(out.string()) +
         " " + shell_quote(input.string());
}

TEST(FullDiskCli, DataPrepareKeepsThePreviousStore) {
  TempDir dir;
  const fs::path store = dir.path() / "store";
  const fs::path small = dir.write("small.jsonl", chat_lines(5, 20));
  const fs::path large = dir.write("large.jsonl", chat_lines(300, 400));
  ASSERT_EQ(run_longalign(prepare_args(small, store)).code, 0);

  const auto full = testing::run_longalign_limited(prepare_args(large, store), 16);
  EXPECT_EQ(full.code, 1) << full.err;
  EXPECT_TRUE(contains(full.err, "error: ")) << full.err;
  EXPECT_TRUE(contains(full.err, "File too large")) << full.err;
  EXPECT_TRUE(contains(full.err, dir.path().string())) << "names the file: " << full.err;
  EXPECT_EQ(data::StoreReader(store).size(), 5u) << "the previous store is intact";
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "store" || name.ends_with(".jsonl")) << name << " was left behind";
  }

  ASSERT_EQ(run_longalign(prepare_args(large, store)).code, 0);
  EXPECT_EQ(data::StoreReader(store).size(), 300u);
}

TEST(FullDiskCli, MissingInputAndReadOnlyOutputAreClearErrors) {
  TempDir dir;
  const fs::path missing = dir.path() / "absent" / "chat.jsonl";
  const auto r = run_longalign(prepare_args(missing, dir.path() / "store"));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "error: " + missing.string())) << r.err;

  SmallTmpfs disk(1 << 20);
  if (!disk.mounted()) GTEST_SKIP() << "a read-only folder needs a tmpfs mount (root)";
  ASSERT_TRUE(disk.make_read_only(1 << 20));
  const fs::path input = dir.write("chat.jsonl", chat_lines(3, 10));
  const fs::path out = disk.path() / "store";
  const auto ro = run_longalign(prepare_args(input, out));
  EXPECT_EQ(ro.code, 1);
  EXPECT_TRUE(contains(ro.err, "error: ")) << ro.err;
  EXPECT_TRUE(contains(ro.err, "Read-only file system")) << ro.err;
  EXPECT_TRUE(contains(ro.err, disk.path().string())) << ro.err;
}

// Bytes a folder takes on tmpfs: whole pages per file.
size_t pages_of(const fs::path& dir) {
  size_t bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) bytes += (e.file_size() + 4095) / 4096 * 4096;
  }
  return bytes;
}

size_t used_bytes(const fs::path& mount) {
  struct statvfs s {};
  statvfs(mount.c_str(), &s);
  return (s.f_blocks - s.f_bfree) * s.f_frsize;
}

// The checkpoint `resume` would pick loads into a model of the setup's config.
void expect_loadable_checkpoint(const fs::path& run, const std::string& name) {
  std::vector<std::string> skipped;
  const auto latest = train::latest_valid_checkpoint(run, &skipped);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->filename(), name);
  const model::ModelConfig config = model::load_config(*latest);
  model::Parameters params(config);
  train::AdamW optimizer(config, params.size(), train::AdamWOptions{});
  train::load_checkpoint(*latest, config, params, optimizer);
}

void expect_no_leftovers(const fs::path& run) {
  for (const auto& entry : fs::directory_iterator(run)) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".")) << entry.path();
  }
}

TEST(FullDiskCli, TrainKeepsTheLastCheckpointAndModel) {
  SmallTmpfs disk(64 << 20);
  if (!disk.mounted()) GTEST_SKIP() << "a full disk in total needs a tmpfs mount (root)";
  testing::TrainSetup s(24, "--method pack --max-tokens 160");
  const fs::path run = disk.path() / "run";
  const auto first = run_longalign(s.train_args(run, "--max-steps 2"));
  ASSERT_EQ(first.code, 0) << first.err;
  const size_t checkpoint = pages_of(run / "checkpoint-2"), model = pages_of(run / "model");
  const std::string weights = read_file(run / "model" / "model.safetensors");

  // Room for half a checkpoint: the save after step 3 fails.
  ASSERT_TRUE(disk.resize(used_bytes(disk.path()) + checkpoint / 2));
  const auto at_checkpoint = run_longalign(s.train_args(run, "--max-steps 3 --resume"));
  EXPECT_EQ(at_checkpoint.code, 1) << at_checkpoint.err;
  EXPECT_TRUE(contains(at_checkpoint.err, "No space left on device")) << at_checkpoint.err;
  EXPECT_TRUE(contains(at_checkpoint.err, run.string())) << at_checkpoint.err;
  expect_loadable_checkpoint(run, "checkpoint-2");
  EXPECT_EQ(read_file(run / "model" / "model.safetensors"), weights);
  expect_no_leftovers(run);

  // Room for the checkpoint but half the model: the final save fails, the old model stays.
  ASSERT_TRUE(disk.resize(used_bytes(disk.path()) + checkpoint + model / 2));
  const auto at_model = run_longalign(s.train_args(run, "--max-steps 3 --resume"));
  EXPECT_EQ(at_model.code, 1) << at_model.err;
  EXPECT_TRUE(contains(at_model.err, "No space left on device")) << at_model.err;
  expect_loadable_checkpoint(run, "checkpoint-3");
  EXPECT_EQ(read_file(run / "model" / "model.safetensors"), weights);
  EXPECT_NO_THROW(model::load_config(run / "model"));
  expect_no_leftovers(run);

  ASSERT_TRUE(disk.resize(64 << 20));
  const auto with_room = run_longalign(s.train_args(run, "--max-steps 3 --resume"));
  ASSERT_EQ(with_room.code, 0) << with_room.err;
  const model::ModelConfig config = model::load_config(run / "model");
  model::Parameters params(config);
  model::load_parameters(params, config, run / "model");
  EXPECT_NE(read_file(run / "model" / "model.safetensors"), weights);
}

}  // namespace
}  // namespace longalign
