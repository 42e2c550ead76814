// `mpirun -np 2 longalign recipe run`: rank 0 runs every stage but training, both ranks train,
// and the weights are those of one process training on the same global batches; a rerun under
// mpirun reuses every stage.
#include <algorithm>
#include <cmath>

#include "core/json.h"
#include "data/plan_file.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/safetensors.h"
#include "recipe_fixture.h"

namespace longalign::recipe {
namespace {

using testing::contains;
using testing::TempDir;
namespace fs = std::filesystem;

testing::CliResult mpirun_recipe(const fs::path& recipe, const fs::path& run,
                                 const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {LONGALIGN_MPIEXEC,
                                   "--allow-run-as-root",
                                   "--oversubscribe",
                                   "--bind-to",
                                   "none",
                                   "--mca",
                                   "btl",
                                   "self,vader",
                                   "-np",
                                   "2",
                                   LONGALIGN_CLI,
                                   "recipe",
                                   "run",
                                   recipe.string(),
                                   "-o",
                                   run.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  TempDir logs;
  const fs::path out = logs.path() / "stdout", err = logs.path() / "stderr";
  testing::CliResult r;
  r.code = testing::run_command("timeout 120 " + testing::shell_words(args) + " </dev/null >" +
                                testing::shell_quote(out.string()) + " 2>" +
                                testing::shell_quote(err.string()));
  r.out = testing::read_text_file(out);
  r.err = testing::read_text_file(err);
  return r;
}

// The plan with each step's micro-batches of both ranks given to one.
fs::path one_rank_plan(const fs::path& plan, const fs::path& out) {
  data::Plan one = data::load_plan(plan);
  for (data::Step& step : one.steps) {
    std::vector<data::MicroBatch> merged;
    for (const auto& rank : step.ranks) merged.insert(merged.end(), rank.begin(), rank.end());
    step.ranks = {merged};
  }
  one.options.world_size = 1;
  data::save_plan(one, out);
  return out;
}

fs::path last_checkpoint(const fs::path& dir) {
  fs::path last;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("checkpoint-") &&
        (last.empty() ||
         std::stoi(name.substr(11)) > std::stoi(last.filename().string().substr(11))))
      last = entry.path();
  }
  return last;
}

TEST(RecipeMpi, TwoRanksTrainLikeOneProcessAndARerunReusesEveryStage) {
  TempDir dir;
  std::string text = tiny_recipe(1);
  text.replace(text.find("[train]\n"), 8, "world_size = 2\n[train]\n");
  const fs::path recipe = dir.write("tiny.toml", text);
  const fs::path run = dir.path() / "run";

  const auto dry = mpirun_recipe(recipe, run, {"--dry-run"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_EQ(std::count(dry.out.begin(), dry.out.end(), '\n'), 5) << dry.out;  // rank 0 alone

  const auto first = mpirun_recipe(recipe, run);
  ASSERT_EQ(first.code, 0) << first.err;
  for (const char* stage : {"synth", "data", "plan", "train", "eval"})
    EXPECT_TRUE(contains(first.out, std::string(stage) + ": running")) << first.out;
  EXPECT_TRUE(fs::exists(run / "report.html"));
  EXPECT_EQ(data::load_plan(run / "plan.json").options.world_size, 2u);

  const fs::path single = dir.path() / "single";
  const fs::path plan = one_rank_plan(run / "plan.json", dir.path() / "one.json");
  const auto one = testing::run_longalign(testing::shell_words(
      {"train", "--model", (run / "init").string(), "--data", (run / "store").string(), "--plan",
       plan.string(), "-o", single.string(), "--device", "cpu", "--dtype", "fp32", "--lr", "1e-3",
       "--save-every", "1", "--log-every", "1"}));
  ASSERT_EQ(one.code, 0) << one.err;

  const fs::path a_dir = last_checkpoint(run / "train"), b_dir = last_checkpoint(single);
  ASSERT_EQ(a_dir.filename(), b_dir.filename());
  const model::ModelConfig config = model::load_config(a_dir);
  model::Parameters a(config), b(config), start(config);
  model::load_parameters(a, config, a_dir);
  model::load_parameters(b, config, b_dir);
  model::load_parameters(start, config, run / "init");
  double max_diff = 0, max_change = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    max_diff = std::max(max_diff, double(std::abs(a.data()[i] - b.data()[i])));
    max_change = std::max(max_change, double(std::abs(a.data()[i] - start.data()[i])));
  }
  EXPECT_GT(max_change, 1e-3);  // training moved the weights
  EXPECT_LT(max_diff, 1e-5);    // the tolerance of TrainCli.TwoMpiRanksEqualOneProcess

  const auto second = mpirun_recipe(recipe, run);
  ASSERT_EQ(second.code, 0) << second.err;
  for (const char* stage : {"synth", "data", "plan", "train", "eval"})
    EXPECT_TRUE(contains(second.out, std::string(stage) + ": skipped (unchanged")) << second.out;
}

TEST(RecipeMpi, APlanForAnotherWorldSizeNamesTheKeyAndLine) {
  TempDir dir;
  const fs::path recipe = dir.write("tiny.toml", tiny_recipe(1));
  const auto r = mpirun_recipe(recipe, dir.path() / "run");
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(contains(r.err, "tiny.toml:13: plan.world_size = 1, but 2 ranks run the recipe"))
      << r.err;
  EXPECT_FALSE(fs::exists(dir.path() / "run"));
}

}  // namespace
}  // namespace longalign::recipe
