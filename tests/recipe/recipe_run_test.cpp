// `longalign recipe run` on a tiny recipe: every stage runs once, a rerun reuses them all, a
// changed setting reruns its stage and every later one, and a run killed in training and rerun
// ends with the same weights as one that was never interrupted.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "core/json.h"
#include "recipe_fixture.h"

namespace longalign::recipe {
namespace {

using testing::contains;
using testing::TempDir;
namespace fs = std::filesystem;

TEST(RecipeRun, RunsEveryStageThenReusesThem) {
  TempDir dir;
  const fs::path recipe = dir.write("tiny.toml", tiny_recipe(2));
  const fs::path run = dir.path() / "run";
  const auto first = run_recipe_cli(recipe, run);
  ASSERT_EQ(first.code, 0) << first.err;
  for (const char* stage : {"synth", "data", "plan", "train", "eval"})
    EXPECT_TRUE(contains(first.out, std::string(stage) + ": running")) << first.out;
  EXPECT_TRUE(contains(first.out, "exact-match accuracy")) << first.out;
  EXPECT_TRUE(fs::exists(run / "report.html"));
  EXPECT_TRUE(fs::exists(run / "report.md"));

  const auto second = run_recipe_cli(recipe, run);
  ASSERT_EQ(second.code, 0) << second.err;
  for (const char* stage : {"synth", "data", "plan", "train", "eval"})
    EXPECT_TRUE(contains(second.out, std::string(stage) + ": skipped (unchanged")) << second.out;
}

TEST(RecipeRun, AChangedSettingRerunsItsStageAndTheLaterOnes) {
  TempDir dir;
  const fs::path run = dir.path() / "run";
  ASSERT_EQ(run_recipe_cli(dir.write("tiny.toml", tiny_recipe(2)), run).code, 0);
  const fs::path changed = dir.write("tiny.toml", tiny_recipe(3));  // plan.epochs 2 -> 3
  const auto dry = run_recipe_cli(changed, run, {"--dry-run"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_TRUE(contains(dry.out, "synth: skip (unchanged")) << dry.out;
  EXPECT_TRUE(contains(dry.out, "data: skip (unchanged")) << dry.out;
  EXPECT_TRUE(contains(dry.out, "plan: would run (its settings changed)")) << dry.out;
  EXPECT_TRUE(contains(dry.out, "train: would run (an earlier stage runs)")) << dry.out;
  EXPECT_TRUE(contains(dry.out, "eval: would run (an earlier stage runs)")) << dry.out;
  const auto only = run_recipe_cli(changed, run, {"--dry-run", "--only", "data"});
  EXPECT_TRUE(contains(only.out, "data: would run (selected)")) << only.out;
  EXPECT_TRUE(contains(only.out, "plan: skip (not selected (--only data))")) << only.out;
  const auto bad = run_recipe_cli(changed, run, {"--from", "tune"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.err, "--from tune: the recipe has no such stage")) << bad.err;
}

TEST(RecipeRun, RunsTheNeedleGridWithTheTrainedModel) {
  TempDir dir;
  write_haystack(dir);
  const fs::path recipe = dir.write("tiny.toml", tiny_recipe(1, kTinyNeedle));
  const fs::path run = dir.path() / "run";
  const auto first = run_recipe_cli(recipe, run);
  ASSERT_EQ(first.code, 0) << first.err;
  for (const char* file : {"results.jsonl", "grid.json", "heatmap.svg"})
    EXPECT_TRUE(fs::exists(run / "needle" / file)) << file;
  const Json grid = read_json_file(run / "needle" / "grid.json");
  EXPECT_EQ(grid.at("lengths"), Json({128, 160}));
  EXPECT_EQ(grid.at("scores").size(), 3u);
  const std::string md = testing::read_text_file(run / "report.md");
  EXPECT_TRUE(contains(md, "## Needle in a haystack")) << md;
  EXPECT_TRUE(contains(md, "![needle heatmap](needle/heatmap.svg)")) << md;

  // A changed grid reruns only the eval stage.
  const auto dry = run_recipe_cli(
      dir.write("tiny.toml", tiny_recipe(1, std::string(kTinyNeedle) + "match = \"exact\"\n")), run,
      {"--dry-run"});
  EXPECT_TRUE(contains(dry.out, "train: skip (unchanged")) << dry.out;
  EXPECT_TRUE(contains(dry.out, "eval: would run (its settings changed)")) << dry.out;
}

// Waits until `file` exists or the process ends; true when it exists.
bool wait_for(const fs::path& file, pid_t pid) {
  for (int i = 0; i < 6000; ++i) {
    if (fs::exists(file)) return true;
    if (waitpid(pid, nullptr, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(RecipeRun, KilledInTrainingAndRerunEndsLikeAnUninterruptedRun) {
  TempDir dir;
  const fs::path recipe = dir.write("tiny.toml", tiny_recipe(2));
  const fs::path whole = dir.path() / "whole", killed = dir.path() / "killed";
  ASSERT_EQ(run_recipe_cli(recipe, whole).code, 0);

  const pid_t pid =
      testing::spawn_longalign({"recipe", "run", recipe.string(), "-o", killed.string()},
                               dir.path() / "log", dir.path() / "log");
  const bool saw_checkpoint =
      wait_for(killed / "train" / "checkpoint-2" / "trainer_state.json", pid);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  ASSERT_TRUE(saw_checkpoint) << testing::read_text_file(dir.path() / "log");
  ASSERT_FALSE(fs::exists(killed / "train" / "model" / "config.json"));

  const auto rerun = run_recipe_cli(recipe, killed);
  ASSERT_EQ(rerun.code, 0) << rerun.err;
  EXPECT_TRUE(contains(rerun.out, "train: running (it was interrupted: resuming)")) << rerun.out;
  EXPECT_TRUE(contains(rerun.err, "resuming from")) << rerun.err;
  for (const char* file : {"train/model/model.safetensors", "accuracy.json"}) {
    EXPECT_EQ(testing::read_text_file(killed / file), testing::read_text_file(whole / file))
        << file;
  }
}

}  // namespace
}  // namespace longalign::recipe
