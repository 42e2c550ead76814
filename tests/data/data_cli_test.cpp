// `longalign data plan` as scripts call it: exit codes, messages, the plan file and the report.
#include <gtest/gtest.h>

#include "core/json.h"
#include "data/plan_file.h"
#include "test_support.h"

namespace longalign {
namespace {

using testing::contains;
using testing::TempDir;
namespace fs = std::filesystem;

using Result = testing::CliResult;

// Runs the binary with `args` (no quoting needed: the tests use plain paths and words).
Result run_cli(const TempDir&, const std::string& args) {
  return testing::run_longalign(args);
}

std::string lengths_text() {
  std::string text;
  for (int i = 0; i < 300; ++i) text += std::to_string(50 + (i * 7919) % 3000) + " 20\n";
  return text;
}

TEST(DataCli, PlanWritesPlanReportAndSvg) {
  TempDir dir;
  const auto lengths = dir.write("lengths.txt", lengths_text());
  const auto plan = dir.path() / "plan.json", svg = dir.path() / "fill.svg";
  const Result r = run_cli(dir, "data plan --lengths " + lengths.string() +
                                    " --method pack --packer ffd --max-tokens 4096"
                                    " --batch-size 4 --grad-accum 2 --world-size 2 --seed 3"
                                    " --epochs 2 -o " +
                                    plan.string() + " --svg " + svg.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "plan pack-ffd")) << r.out;
  EXPECT_TRUE(contains(r.out, "naive")) << r.out;
  EXPECT_TRUE(contains(r.out, "300 samples")) << r.out;
  const data::Plan p = data::load_plan(plan);
  EXPECT_EQ(p.sample_count, 300u);
  EXPECT_EQ(p.options.epochs, 2u);
  EXPECT_TRUE(contains(testing::read_text_file(svg), "<svg"));
}

TEST(DataCli, JsonReportWithModelConfig) {
  TempDir dir;
  const auto lengths = dir.write("lengths.txt", lengths_text());
  const auto config = dir.write("config.json",
                                R"({"hidden_size": 4096, "num_hidden_layers": 32,
                                    "intermediate_size": 11008, "vocab_size": 32000,
                                    "num_attention_heads": 32})");
  const Result r = run_cli(dir, "data plan --lengths " + lengths.string() +
                                    " --method sort --max-tokens 4096 --batch-size 4 --seed 1"
                                    " --json --model-config " +
                                    config.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const Json j = parse_json(r.out, "stdout");
  EXPECT_EQ(j["plan"]["label"], "sort");
  EXPECT_GT(j["plan"]["flops_per_epoch"].get<double>(), 0);
  EXPECT_EQ(j["methods"].size(), 6u);
  EXPECT_EQ(j["plan"]["step_mix"]["long_from"], 512);
  EXPECT_TRUE(j["plan"]["step_mix"]["sequences_per_step"].contains("cv"));
}

TEST(DataCli, ErrorsAndExitCodes) {
  TempDir dir;
  const auto lengths = dir.write("lengths.txt", "100\n200\nlong\n");
  const std::string common = " --method pack --max-tokens 4096 --batch-size 1 --seed 1";
  Result r = run_cli(dir, "data plan --lengths " + lengths.string() + common);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "lengths.txt:3: length \"long\"")) << r.err;

  const auto too_long = dir.write("long.txt", "100\n5000\n");
  r = run_cli(dir, "data plan --lengths " + too_long.string() + common);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "sample 1 has 5000 tokens")) << r.err;

  r = run_cli(dir, "data plan some.store" + common);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "some.store: not a tokenized store directory")) << r.err;

  r = run_cli(dir, "data plan" + common);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--lengths")) << r.err;

  r = run_cli(dir, "data plan --lengths " + too_long.string() +
                       " --method zigzag --max-tokens 4096 --batch-size 1 --seed 1");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown method")) << r.err;

  r = run_cli(dir, "data plan --lengths " + too_long.string() + " --method pack");
  EXPECT_EQ(r.code, 2);  // required options missing

  r = run_cli(dir, "data plan --lengths " + (dir.path() / "missing.txt").string() + common);
  EXPECT_EQ(r.code, 1);
}

}  // namespace
}  // namespace longalign
