// The recipe stages that talk to an OpenAI-compatible endpoint, against scripted loopback servers:
// LongBench-Chat in the eval stage (the trained model answers, a scripted judge rates), and
// self-instruct in the synth stage (a scripted model asks and answers questions on documents).
#include "core/json.h"
#include "eval/longbench_chat_fixture.h"
#include "recipe_fixture.h"
#include "synth/scripted_model.h"

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

TEST(RecipeEndpoints, SelfInstructJoinsTheTrainingData) {
  TempDir dir;
  for (int i = 0; i < 3; ++i) {
    dir.write("docs/d" + std::to_string(i) + ".txt",
              "[doc-" + std::to_string(i) + "] A report on the harbour: ships came in at dawn.");
  }
  ScriptedServer model([](int, const httplib::Request& req, httplib::Response& res) {
    testing::scripted_model(req, res);
  });
  std::string recipe_text = tiny_recipe(1);
  const std::string table = "[synth.self_instruct]\ndocs = \"docs\"\nendpoint = \"" +
                            model.base_url() +
                            "\"\nmodel = \"scripted\"\nmin_tokens = 1\nconcurrency = 2\n";
  recipe_text.insert(recipe_text.find("[data]"), table);
  const fs::path run = dir.path() / "run";
  const auto r = run_recipe_cli(dir.write("tiny.toml", recipe_text), run, {"--only", "synth"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string samples = testing::read_text_file(run / "synth" / "self_instruct.jsonl");
  EXPECT_EQ(std::count(samples.begin(), samples.end(), '\n'), 3) << samples;
  EXPECT_TRUE(contains(samples, "The answer to")) << samples;
  EXPECT_EQ(model.calls(), 6);  // a question list and an answer per document

  const auto dry = run_recipe_cli(dir.path() / "tiny.toml", run, {"--dry-run"});
  EXPECT_TRUE(contains(dry.out, "synth: skip (unchanged")) << dry.out;
  const auto data = run_recipe_cli(dir.path() / "tiny.toml", run, {"--only", "data"});
  ASSERT_EQ(data.code, 0) << data.err;
  EXPECT_EQ(model.calls(), 6);  // reused, not asked again
  // 12 passkey tasks and 48 short chats from synth/train.jsonl, and the 3 self-instruct samples.
  EXPECT_EQ(read_json_file(run / "store" / "report.json").at("read"), 63);
}

}  // namespace
}  // namespace longalign::recipe
