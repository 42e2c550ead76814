// The recipe stages that talk to an OpenAI-compatible endpoint, against scripted loopback servers:
// LongBench-Chat in the eval stage (the trained model answers, a scripted judge rates).
#include "core/json.h"
#include "eval/longbench_chat_fixture.h"
#include "recipe_fixture.h"

namespace longalign::recipe {
namespace {

using testing::contains;
using testing::ScriptedServer;
using testing::TempDir;
namespace fs = std::filesystem;

TEST(RecipeEndpoints, RunsLongBenchChatWithAJudge) {
  TempDir dir;
  testing::write_longbench_chat(dir);
  ScriptedServer judge([](int, const httplib::Request& req, httplib::Response& res) {
    testing::stateless_judge_reply(req, res);
  });
  const std::string table = "[eval.longbench_chat]\ndata = \"data\"\njudge = \"" +
                            judge.base_url() +
                            "\"\njudge_model = \"judge\"\nmax_length = 96\nmax_new_tokens = 8\n";
  const fs::path recipe = dir.write("tiny.toml", tiny_recipe(1, table));
  const fs::path run = dir.path() / "run";
  const auto r = run_recipe_cli(recipe, run);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(judge.calls(), 6);  // 3 questions, 2 judge runs each
  const Json summary = read_json_file(run / "longbench_chat" / "summary.json");
  EXPECT_EQ(summary.at("complete"), true) << summary.dump();
  EXPECT_EQ(summary.at("answered"), 3);
  EXPECT_TRUE(summary.at("by_language").contains("zh")) << summary.dump();
  const std::string md = testing::read_text_file(run / "report.md");
  EXPECT_TRUE(contains(md, "## LongBench-Chat")) << md;
  EXPECT_TRUE(contains(md, "| zh |")) << md;
  EXPECT_TRUE(
      contains(testing::read_text_file(run / "report.html"), "<section id=\"longbench-chat\""));

  // The judge is part of the eval stage's settings: another judge model reruns it.
  const std::string other = table.substr(0, table.find("judge_model")) +
                            "judge_model = \"judge-2\"\nmax_length = 96\nmax_new_tokens = 8\n";
  const auto dry =
      run_recipe_cli(dir.write("tiny.toml", tiny_recipe(1, other)), run, {"--dry-run"});
  EXPECT_TRUE(contains(dry.out, "train: skip (unchanged")) << dry.out;
  EXPECT_TRUE(contains(dry.out, "eval: would run (its settings changed)")) << dry.out;
}

}  // namespace
}  // namespace longalign::recipe
