// parse_recipe_text: what a good recipe becomes, and for a bad one an error naming the file, the
// line (counted by hand from the texts below) and the key.
#include <gtest/gtest.h>

#include "recipe/demo_recipe.h"
#include "recipe/recipe.h"
#include "test_support.h"

namespace longalign::recipe {
namespace {

using testing::contains;
using testing::error_of;
using testing::TempDir;
namespace fs = std::filesystem;

// Line numbers are those of this text: line 1 is the tokenizer.
std::string base_recipe() {
  return "tokenizer = \"" + testing::npm_tokenizer_dir("llama2").string() + "\"\n" +  // 1
         "seed = 3\n"                                                                 // 2
         "[synth]\n"                                                                  // 3
         "lengths = [128]\n"                                                          // 4
         "[[synth.tasks]]\n"                                                          // 5
         "name = \"passkey\"\n"                                                       // 6
         "count = 4\n"                                                                // 7
         "[data]\n"                                                                   // 8
         "max_length = 256\n"                                                         // 9
         "template = \"llama2\"\n"                                                    // 10
         "[plan]\n"                                                                   // 11
         "pack_size = 256\n";                                                         // 12
}

// base_recipe with line `line` (1-based) replaced by `text`.
std::string with_line(size_t line, const std::string& text) {
  std::string recipe = base_recipe();
  size_t start = 0;
  for (size_t i = 1; i < line; ++i) start = recipe.find('\n', start) + 1;
  const size_t end = recipe.find('\n', start);
  return recipe.replace(start, end - start, text);
}

std::string parse_error(const std::string& text) {
  TempDir dir;
  return error_of([&] { parse_recipe_text(text, "r.toml", dir.path()); });
}

TEST(RecipeParse, ReadsEveryStage) {
  TempDir dir;
  const Recipe r = parse_recipe_text(base_recipe(), "r.toml", dir.path());
  EXPECT_EQ(r.seed, 3u);
  ASSERT_TRUE(r.synth && r.data && r.plan);
  EXPECT_FALSE(r.train || r.eval);
  ASSERT_EQ(r.synth->tasks.size(), 1u);
  EXPECT_EQ(r.synth->tasks[0].task, synth::TaskKind::kPasskey);
  EXPECT_EQ(r.synth->tasks[0].count, 4u);
  EXPECT_EQ(r.synth->lengths, std::vector<size_t>{128});
  EXPECT_EQ(r.data->max_length, 256u);
  EXPECT_EQ(r.plan->options.max_tokens, 256u);
  EXPECT_EQ(r.plan->options.seed, 3u);
  EXPECT_EQ(r.settings.at("plan").at("pack_size"), 256);
}

TEST(RecipeParse, UnknownKeyNamesItsLine) {
  const std::string e = parse_error(base_recipe() + "epoch = 2\n");  // line 13, in [plan]
  EXPECT_TRUE(contains(e, "r.toml:13: unknown key plan.epoch")) << e;
}

TEST(RecipeParse, WrongTypeNamesKeyAndLine) {
  const std::string e = parse_error(with_line(9, "max_length = \"256\""));
  EXPECT_TRUE(contains(e, "r.toml:9: data.max_length: expected an integer, got a string")) << e;
}

TEST(RecipeParse, UnknownTaskNamesTheTable) {
  const std::string e = parse_error(with_line(6, "name = \"haystack\""));
  EXPECT_TRUE(contains(e, "r.toml:6: synth.tasks[0].name: unknown task")) << e;
}

TEST(RecipeParse, MissingInputFile) {
  const std::string e = parse_error(with_line(10, "inputs = [\n  { path = \"nope.jsonl\" },\n]"));
  EXPECT_TRUE(contains(e, "r.toml:11: data.inputs[0].path: ")) << e;
  EXPECT_TRUE(contains(e, "nope.jsonl: no such file or folder")) << e;
}

TEST(RecipeParse, PackBelowTheLongestSample) {
  const std::string e = parse_error(with_line(12, "pack_size = 128"));
  EXPECT_TRUE(contains(e, "r.toml:12: plan.pack_size: 128 is below data.max_length = 256")) << e;
}

TEST(RecipeParse, TemplateThatDoesNotFitTheTokenizer) {
  // Llama 3's template ends a turn with <|eot_id|>, which Llama 2's tokenizer lacks.
  const std::string e = parse_error(with_line(10, "template = \"llama3\""));
  EXPECT_TRUE(contains(e, "r.toml:10: data.template: does not fit the tokenizer")) << e;
}

TEST(RecipeParse, TomlSyntaxError) {
  const std::string e = parse_error(with_line(2, "seed = = 3"));
  EXPECT_TRUE(contains(e, "r.toml:2: ")) << e;
}

TEST(RecipeParse, StageWithoutTheOneBeforeIt) {
  const std::string e = parse_error(base_recipe() + "[eval]\n");  // line 13
  EXPECT_TRUE(contains(e, "r.toml:13: eval: needs a [train] stage before it")) << e;
}

TEST(RecipeParse, TrainNeedsAModelOrAnInit) {
  const std::string e = parse_error(base_recipe() + "[train]\nlr = 1e-3\n");  // line 13
  EXPECT_TRUE(contains(e, "r.toml:13: train.model: give either model (a folder) or [train.init]"))
      << e;
}

// base_recipe with a model from random weights and a needle grid; `needle_line` is line 18.
std::string needle_recipe(const std::string& needle_line) {
  return base_recipe() +
         "[train]\n"                 // 13
         "[train.init]\n"            // 14
         "[eval]\n"                  // 15
         "[eval.needle]\n"           // 16
         "haystack = \".\"\n"        // 17
         "lengths = \"64,128\"\n" +  // 18 unless replaced
         needle_line +
         "\n";
}

TEST(RecipeParse, ReadsTheNeedleGrid) {
  TempDir dir;
  const Recipe r = parse_recipe_text(needle_recipe("depths = \"0..100:3\""), "r.toml", dir.path());
  ASSERT_TRUE(r.eval && r.eval->needle);
  EXPECT_EQ(r.eval->needle->grid.lengths, (std::vector<int64_t>{64, 128}));
  EXPECT_EQ(r.eval->needle->grid.depths, (std::vector<double>{0, 50, 100}));
  EXPECT_EQ(r.eval->needle->match, eval::MatchMode::kContains);
  EXPECT_EQ(r.settings.at("eval").at("needle").at("depths"), "0..100:3");
}

TEST(RecipeParse, BadNeedleKeysNameTheirLine) {
  std::string e = parse_error(needle_recipe("depths = \"0..150:3\""));
  EXPECT_TRUE(contains(e, "r.toml:19: eval.needle.depths: ")) << e;
  e = parse_error(needle_recipe("depth = \"0,50\""));
  EXPECT_TRUE(contains(e, "r.toml:19: unknown key eval.needle.depth")) << e;
  e = parse_error(needle_recipe("max_new_tokens = \"8\""));
  EXPECT_TRUE(contains(e, "r.toml:19: eval.needle.max_new_tokens: expected an integer")) << e;
  std::string long_grid = needle_recipe("");
  long_grid.replace(long_grid.find("64,128"), 6, "1k");
  e = parse_error(long_grid);
  EXPECT_TRUE(contains(e,
                       "eval.needle.lengths: reaches 1024 tokens; the trained model's context "
                       "is data.max_length = 256"))
      << e;
  e = parse_error(needle_recipe("question = \"Who?\""));
  EXPECT_TRUE(contains(e, "eval.needle.needle: needle, question and answer go together")) << e;
}

TEST(RecipeParse, LongBenchChatKeys) {
  const std::string table = base_recipe() +
                            "[train]\n"                             // 13
                            "[train.init]\n"                        // 14
                            "[eval]\n"                              // 15
                            "[eval.longbench_chat]\n"               // 16
                            "data = \".\"\n"                        // 17
                            "judge = \"http://127.0.0.1:1/v1\"\n";  // 18
  std::string e = parse_error(table);
  EXPECT_TRUE(contains(e, "r.toml:16: eval.longbench_chat.judge_model: missing")) << e;
  e = parse_error(table + "judge_model = \"j\"\njudge_runs = 0\n");
  EXPECT_TRUE(contains(e, "r.toml:20: eval.longbench_chat.judge_runs: ")) << e;
  e = parse_error(table + "judge_model = \"j\"\nfew_shot = 2\n");
  EXPECT_TRUE(contains(e, "r.toml:20: unknown key eval.longbench_chat.few_shot")) << e;
  TempDir dir;
  const Recipe r = parse_recipe_text(table + "judge_model = \"j\"\n", "r.toml", dir.path());
  ASSERT_TRUE(r.eval && r.eval->longbench_chat);
  EXPECT_EQ(r.eval->longbench_chat->judge_model, "j");
  EXPECT_EQ(r.eval->longbench_chat->judge_runs, 2);
  EXPECT_EQ(r.eval->longbench_chat->judge_key_env, "OPENAI_API_KEY");
}

TEST(RecipeParse, SelfInstructKeys) {
  const std::string table = base_recipe() +
                            "[synth.self_instruct]\n"                 // 13
                            "docs = \".\"\n"                          // 14
                            "endpoint = \"http://127.0.0.1:1/v1\"\n"  // 15
                            "model = \"m\"\n";                        // 16
  TempDir dir;
  const Recipe r = parse_recipe_text(table, "r.toml", dir.path());
  ASSERT_TRUE(r.synth && r.synth->self_instruct);
  EXPECT_EQ(r.synth->self_instruct->types.size(), 4u);
  EXPECT_EQ(r.synth->self_instruct->min_tokens, 8000);
  std::string e = parse_error(table + "types = [\"poetry\"]\n");
  EXPECT_TRUE(contains(e, "r.toml:17: synth.self_instruct.types: ")) << e;
  e = parse_error(table + "min_tokens = 9\nmax_tokens = 8\n");
  EXPECT_TRUE(contains(e, "r.toml:17: synth.self_instruct.min_tokens: is above max_tokens")) << e;
  e = parse_error(table + "concurency = 2\n");
  EXPECT_TRUE(contains(e, "r.toml:17: unknown key synth.self_instruct.concurency")) << e;
}

// What `recipe init` writes parses: the demo as it is, the starter once its paths exist.
TEST(RecipeParse, InitRecipesParse) {
  TempDir dir;
  const std::string tok = testing::npm_tokenizer_dir("llama2").string();
  const Recipe demo = parse_recipe_text(demo_recipe_text(tok), "demo.toml", dir.path());
  ASSERT_TRUE(demo.synth && demo.train && demo.train->init && demo.eval);
  EXPECT_EQ(demo.synth->tasks.size(), 3u);
  EXPECT_EQ(demo.plan->options.epochs, 4u);

  std::string starter = starter_recipe_text();
  for (size_t at; (at = starter.find("MODEL_DIR")) != std::string::npos;)
    starter.replace(at, 9, tok);
  dir.write("long.jsonl", "");
  dir.write("sharegpt.jsonl", "");
  const Recipe r = parse_recipe_text(starter, "recipe.toml", dir.path());
  ASSERT_TRUE(r.data && r.train);
  EXPECT_EQ(r.data->inputs.size(), 2u);
  EXPECT_EQ(r.train->model, fs::path(tok));
}

}  // namespace
}  // namespace longalign::recipe
