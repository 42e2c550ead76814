// `longalign train` end to end on a tiny model: what it logs and writes, that the logged loss is
// the mode's definition evaluated independently by `longalign score`, and that a run killed with
// SIGKILL at arbitrary moments and resumed ends with the same weights, bit for bit, as one that
// never stopped.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "core/file_io.h"
#include "core/json.h"
#include "data/plan_file.h"
#include "data/store.h"
#include "model/config.h"
#include "model/parameters.h"
#include "model/safetensors.h"
#include "test_support.h"
#include "train_setup.h"

namespace longalign {
namespace {

using testing::contains;
using testing::TempDir;
namespace fs = std::filesystem;

using testing::TrainSetup;

std::vector<Json> read_jsonl(const fs::path& file) {
  std::vector<Json> rows;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) rows.push_back(parse_json(line, file.string()));
  return rows;
}

// Complete lines of a file another process is appending to.
size_t complete_lines(const fs::path& file) {
  const std::string text = testing::read_text_file(file);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Starts the CLI with `args` (split on spaces) in the background; output is appended to `log`.
pid_t spawn_longalign(const std::string& args, const fs::path& log) {
  std::vector<std::string> words;
  std::istringstream in(args);
  for (std::string w; in >> w;) words.push_back(w);
  return testing::spawn_longalign(words, log, log);
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(TrainCli, TrainsLogsEveryStepAndWritesAModel) {
  TrainSetup s(40, "--method pack --max-tokens 160");
  const fs::path out = s.dir.path() / "run";
  const auto r = testing::run_longalign(s.train_args(out, "--schedule constant --warmup-ratio 0"));
  ASSERT_EQ(r.code, 0) << r.err;
  const Json plan = read_json_file(s.plan);
  const std::vector<Json> rows = read_jsonl(out / "metrics.jsonl");
  ASSERT_EQ(rows.size(), plan["steps"].size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["step"], i + 1);
    for (const char* field : {"loss", "lr", "grad_norm", "tokens", "target_tokens", "sequences",
                              "seconds", "padding_tokens"}) {
      EXPECT_TRUE(rows[i].contains(field)) << field;
    }
    EXPECT_EQ(rows[i]["padding_tokens"], 0);  // packs have no padding by default
  }
  EXPECT_LT(rows.back()["loss"].get<double>(), rows.front()["loss"].get<double>());
  EXPECT_TRUE(fs::exists(out / "model" / "model.safetensors"));
  EXPECT_TRUE(fs::exists(out / "model" / "config.json"));
  EXPECT_TRUE(contains(r.err, "trained")) << r.err;
}

// `longalign plot` on the metrics a run wrote: one polyline with a point per logged step; a
// broken metrics line is an error that names the file and line, and leaves no SVG behind.
TEST(TrainCli, PaddingPacksToAMultipleTrainsTheSameModel) {
  TrainSetup s(40, "--method pack --max-tokens 160");
  const fs::path plain = s.dir.path() / "plain", padded = s.dir.path() / "padded";
  const std::string extra = "--schedule constant --warmup-ratio 0 --pad-multiple ";
  auto r = testing::run_longalign(s.train_args(plain, extra + "1"));
  ASSERT_EQ(r.code, 0) << r.err;
  r = testing::run_longalign(s.train_args(padded, extra + "48"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto a = read_jsonl(plain / "metrics.jsonl"), b = read_jsonl(padded / "metrics.jsonl");
  ASSERT_EQ(a.size(), b.size());
  int64_t padding = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["padding_tokens"], 0);
    EXPECT_EQ(b[i]["tokens"].get<int64_t>() % 48, 0);
    EXPECT_EQ(b[i]["sequences"], a[i]["sequences"]);
    padding += b[i]["padding_tokens"].get<int64_t>();
    const double la = a[i]["loss"].get<double>(), lb = b[i]["loss"].get<double>();
    EXPECT_NEAR(lb, la, 1e-5 * std::abs(la)) << "step " << i + 1;
  }
  EXPECT_GT(padding, 0);
  EXPECT_EQ(testing::run_longalign(s.train_args(padded, "--pad-multiple 0")).code, 2);
}

TEST(TrainCli, PlotDrawsEveryLoggedStep) {
  TrainSetup s(40, "--method pack --max-tokens 160");
  const fs::path out = s.dir.path() / "run", svg = s.dir.path() / "loss.svg";
  ASSERT_EQ(testing::run_longalign(s.train_args(out, "")).code, 0);
  const size_t steps = read_jsonl(out / "metrics.jsonl").size();
  const auto r = testing::run_longalign("plot " + (out / "metrics.jsonl").string() + " -o " +
                                        svg.string() + " --label packed");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, std::to_string(steps) + " points")) << r.err;
  const std::string image = read_file(svg);
  const size_t begin = image.find("points=\"");
  ASSERT_NE(begin, std::string::npos);
  const std::string points = image.substr(begin, image.find('"', begin + 8) - begin);
  EXPECT_EQ(size_t(std::count(points.begin(), points.end(), ',')), steps);
  EXPECT_TRUE(contains(image, "packed"));

  const fs::path broken = s.dir.write("broken.jsonl",
                                      "{\"step\": 1, \"loss\": 2.5}\n{\"step\": 2,\n"
                                      "{\"step\": 3, \"loss\": 2.1}\n");
  const fs::path none = s.dir.path() / "none.svg";
  const auto bad = testing::run_longalign("plot " + broken.string() + " -o " + none.string());
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(contains(bad.err, broken.string() + ":2")) << bad.err;
  EXPECT_FALSE(fs::exists(none));
}

// The first step's logged loss, taken before any update, against `longalign score` of the initial
// model: the mean of per-sequence mean losses (sequence), or all losses over all targets (token).
TEST(TrainCli, LoggedLossIsTheLossModesDefinition) {
  TrainSetup s(12, "--method pack --max-tokens 600 --grad-accum 8");
  const auto scored = testing::run_longalign("score --model " + s.model.string() + " " +
                                             s.store.string() + " --json --dtype fp32");
  ASSERT_EQ(scored.code, 0) << scored.err;
  double mean_of_means = 0, loss_sum = 0, targets = 0;
  int samples = 0;
  std::istringstream in(scored.out);
  for (std::string line; std::getline(in, line); ++samples) {
    const Json j = parse_json(line, "score");
    mean_of_means += j["loss"].get<double>();
    loss_sum += j["loss"].get<double>() * j["targets"].get<double>();
    targets += j["targets"].get<double>();
  }
  ASSERT_EQ(samples, 12);
  ASSERT_EQ(read_json_file(s.plan)["steps"].size(), 1u);  // one step holds every sample
  for (const std::string mode : {"sequence", "token"}) {
    const fs::path out = s.dir.path() / mode;
    const auto r = testing::run_longalign(s.train_args(out, "--loss " + mode));
    ASSERT_EQ(r.code, 0) << r.err;
    const double logged = read_jsonl(out / "metrics.jsonl")[0]["loss"].get<double>();
    const double expected = mode == "sequence" ? mean_of_means / samples : loss_sum / targets;
    EXPECT_NEAR(logged, expected, 1e-5) << mode;
  }
}

TEST(TrainCli, KilledAnywhereAndResumedEndsBitIdentical) {
  TrainSetup s(200, "--method pack --max-tokens 64");
  const std::string common = "--save-every 1 --keep-last 2 --save-dtype fp32";
  const fs::path reference = s.dir.path() / "reference", killed = s.dir.path() / "killed";
  ASSERT_EQ(testing::run_longalign(s.train_args(reference, common)).code, 0);

  // Kill a few steps into each run, at a different moment of a step each time (mid-product,
  // mid-checkpoint, between the two), resuming after every kill.
  const fs::path log = s.dir.path() / "killed.log";
  for (int round = 0; round < 5; ++round) {
    const std::string resume = round > 0 ? " --resume" : "";
    const size_t target = complete_lines(killed / "metrics.jsonl") + 4 + round;
    const pid_t pid = spawn_longalign(s.train_args(killed, common + resume), log);
    for (int i = 0; i < 20000 && complete_lines(killed / "metrics.jsonl") < target; ++i) {
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(700 * round));
    kill(pid, SIGKILL);
    wait_exit_code(pid);
    ASSERT_FALSE(fs::exists(killed / "model")) << "the run finished before the kill";
  }
  const auto finish = testing::run_longalign(s.train_args(killed, common + " --resume"));
  ASSERT_EQ(finish.code, 0) << finish.err;
  EXPECT_EQ(testing::read_text_file(killed / "model" / "model.safetensors"),
            testing::read_text_file(reference / "model" / "model.safetensors"));
  // The metrics read as one run: each step once, in order.
  const std::vector<Json> rows = read_jsonl(killed / "metrics.jsonl");
  const std::vector<Json> expected = read_jsonl(reference / "metrics.jsonl");
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["step"], i + 1);
    EXPECT_EQ(rows[i]["loss"], expected[i]["loss"]) << "step " << i + 1;
  }
}

TEST(TrainCli, SigtermSavesACheckpointAndStopsCleanly) {
  TrainSetup s(200, "--method pack --max-tokens 64");
  const fs::path out = s.dir.path() / "run", log = s.dir.path() / "run.log";
  const pid_t pid = spawn_longalign(s.train_args(out, "--save-every 1000"), log);
  // Wait for the first logged step, then ask it to stop.
  for (int i = 0; i < 2000 && complete_lines(out / "metrics.jsonl") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit_code(pid), 0);
  EXPECT_TRUE(contains(testing::read_text_file(log), "stopped by a signal"))
      << testing::read_text_file(log);
  const size_t done = read_jsonl(out / "metrics.jsonl").size();
  EXPECT_TRUE(fs::exists(out / ("checkpoint-" + std::to_string(done))));
  EXPECT_FALSE(fs::exists(out / "model"));
  const auto resumed = testing::run_longalign(s.train_args(out, "--resume"));
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_TRUE(contains(resumed.err, "resuming from")) << resumed.err;
  EXPECT_EQ(read_jsonl(out / "metrics.jsonl").size(), read_json_file(s.plan)["steps"].size());
}

// Two MPI ranks, each running its share of every step, against one process running all of each
// step's micro-batches: the same global batches, so the same weights up to fp32 summation order.
TEST(TrainCli, TwoMpiRanksEqualOneProcess) {
  TrainSetup s(48, "--method pack --max-tokens 96 --world-size 2");
  data::Plan one = data::load_plan(s.plan);
  ASSERT_EQ(one.options.world_size, 2u);
  for (data::Step& step : one.steps) {
    std::vector<data::MicroBatch> merged;
    for (const auto& rank : step.ranks) merged.insert(merged.end(), rank.begin(), rank.end());
    step.ranks = {merged};
  }
  one.options.world_size = 1;
  const fs::path one_plan = s.dir.path() / "one.json";
  data::save_plan(one, one_plan);

  const std::string extra = "--max-steps 6 --save-dtype fp32";
  const fs::path single = s.dir.path() / "single", ranks = s.dir.path() / "ranks";
  std::string single_args = s.train_args(single, extra);
  single_args.replace(single_args.find(s.plan.string()), s.plan.string().size(), one_plan.string());
  const auto r1 = testing::run_longalign(single_args);
  ASSERT_EQ(r1.code, 0) << r1.err;
  const std::string mpirun = std::string(LONGALIGN_MPIEXEC) +
                             " --allow-run-as-root --oversubscribe --bind-to none"
                             " --mca btl self,vader -np 2 " +
                             LONGALIGN_CLI + " " + s.train_args(ranks, extra);
  const fs::path log = s.dir.path() / "mpirun.log";
  ASSERT_EQ(testing::run_command("timeout 120 " + mpirun + " >" + log.string() + " 2>&1"), 0)
      << testing::read_text_file(log);

  const model::ModelConfig config = model::load_config(single / "model");
  model::Parameters a(config), b(config);
  model::load_parameters(a, config, single / "model");
  model::load_parameters(b, config, ranks / "model");
  double max_diff = 0, max_change = 0;
  model::Parameters start(config);
  model::load_parameters(start, config, s.model);
  for (int64_t i = 0; i < a.size(); ++i) {
    max_diff = std::max(max_diff, double(std::abs(a.data()[i] - b.data()[i])));
    max_change = std::max(max_change, double(std::abs(a.data()[i] - start.data()[i])));
  }
  EXPECT_GT(max_change, 1e-3);  // training moved the weights
  EXPECT_LT(max_diff, 1e-5);
  const std::vector<Json> rows_one = read_jsonl(single / "metrics.jsonl");
  const std::vector<Json> rows_two = read_jsonl(ranks / "metrics.jsonl");
  ASSERT_EQ(rows_one.size(), rows_two.size());
  for (size_t i = 0; i < rows_one.size(); ++i) {
    EXPECT_NEAR(rows_one[i]["loss"].get<double>(), rows_two[i]["loss"].get<double>(), 1e-5);
    EXPECT_EQ(rows_one[i]["tokens"], rows_two[i]["tokens"]);
  }
}

TEST(TrainCli, RefusesAPlanForAnotherWorldSize) {
  TrainSetup s(10, "--method pack --max-tokens 200 --world-size 2");
  const auto r = testing::run_longalign(s.train_args(s.dir.path() / "run", ""));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "ranks")) << r.err;
}

}  // namespace
}  // namespace longalign
