#include "eval/needle_eval.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "eval/endpoint_answer_source.h"
#include "needle_fixture.h"
#include "serve/scripted_server.h"
#include "test_support.h"

namespace longalign::eval {
namespace {

using testing::contains;
using testing::file_lines;
using testing::read_text_file;
using testing::ScriptedServer;
using testing::TempDir;

class NeedleEval : public ::testing::Test {
 protected:
  NeedleEval()
      : tokenizer_(text::Tokenizer::load(testing::npm_tokenizer_dir("llama2"))),
        meter_(tokenizer_, data::ChatTemplate::kLlama2) {
    dir_.write("haystack/a.txt", testing::needle_prose());
    options_.haystack_dir = dir_.path() / "haystack";
    options_.grid = {{300, 600}, {0, 50, 100}};
    options_.answer_room = 16;
    options_.concurrency = 2;
    options_.output = dir_.path() / "out";
    options_.model_name = "scripted";
  }

  NeedleReport run(const ScriptedServer& server, NeedleJudge* judge = nullptr) {
    serve::ClientOptions client;
    client.base_url = server.base_url();
    client.model = "scripted";
    AnswerSettings settings;
    settings.max_length = 1 << 20;  // prompts are sized by the test itself
    settings.max_new_tokens = 16;
    settings.concurrency = 2;
    EndpointAnswerSource source(client, "", settings);
    return run_needle(options_, source, meter_, judge);
  }

  std::string output(const char* name) const { return read_text_file(options_.output / name); }

  TempDir dir_;
  text::Tokenizer tokenizer_;
  PromptMeter meter_;
  NeedleOptions options_;
};

// The scripted model finds the needle at depths 0 and 50, never at 100.
const Json kExpectedGrid = {{"lengths", {300, 600}},
                            {"depths", {0.0, 50.0, 100.0}},
                            {"scores", {{1.0, 1.0}, {1.0, 1.0}, {0.0, 0.0}}},
                            {"mean", 4.0 / 6},
                            {"length_means", {2.0 / 3, 2.0 / 3}}};

TEST_F(NeedleEval, AScriptedEndpointGivesTheKnownGrid) {
  ScriptedServer server(testing::early_needle_model);
  const NeedleReport report = run(server);
  EXPECT_EQ(report.computed, 6u);
  EXPECT_EQ(report.reused, 0u);
  EXPECT_EQ(server.calls(), 6);
  EXPECT_EQ(parse_json(output("grid.json"), "grid.json"), kExpectedGrid);

  const std::vector<std::string> lines = file_lines(output("results.jsonl"));
  ASSERT_EQ(lines.size(), 6u);
  for (const std::string& line : lines) {
    const Json r = parse_json(line, "results.jsonl");
    const int64_t length = r["length"];
    EXPECT_LE(r["tokens"].get<int64_t>(), length - 16);
    EXPECT_GE(r["tokens"].get<int64_t>(), length - 16 - 8);
    EXPECT_EQ(r["prompt_tokens"], 7);  // as the server reported
    EXPECT_EQ(r["answer"], "smoked paprika");
    const bool found = r["depth"].get<double>() < 100;
    EXPECT_EQ(r["reply"], found ? "Smoked paprika." : "It is not in the document.");
    EXPECT_EQ(r["score"], found ? 1.0 : 0.0);
    EXPECT_LE(r["haystack_tokens"].get<int64_t>(), length);
  }
}

// The rects that carry a tooltip are the grid's cells: their fill by their title.
std::map<std::string, std::string> heatmap_cells(const std::string& svg) {
  std::map<std::string, std::string> cells;
  for (size_t at = svg.find("<title>"); at != std::string::npos; at = svg.find("<title>", at + 1)) {
    const size_t fill = svg.find("fill=\"", svg.rfind("<rect ", at)) + 6;
    const std::string title = svg.substr(at + 7, svg.find("</title>", at) - at - 7);
    EXPECT_FALSE(cells.contains(title)) << title;
    cells[title] = svg.substr(fill, svg.find('"', fill) - fill);
  }
  return cells;
}

TEST_F(NeedleEval, TheHeatmapHasOneCellPerGridPointInItsColour) {
  ScriptedServer server(testing::early_needle_model);
  run(server);
  const std::string svg = output("heatmap.svg");
  const std::map<std::string, std::string> expected = {
      {"300 tokens, depth 0%: 1.00", "#1a9850"},   {"600 tokens, depth 0%: 1.00", "#1a9850"},
      {"300 tokens, depth 50%: 1.00", "#1a9850"},  {"600 tokens, depth 50%: 1.00", "#1a9850"},
      {"300 tokens, depth 100%: 0.00", "#d73027"}, {"600 tokens, depth 100%: 0.00", "#d73027"}};
  EXPECT_EQ(heatmap_cells(svg), expected);
  EXPECT_TRUE(contains(svg, "Needle in a haystack: scripted, mean score 0.667"));
  EXPECT_TRUE(contains(svg, ">Context length (tokens)</text>"));
  EXPECT_TRUE(contains(svg, ">Needle depth (%)</text>"));
  EXPECT_TRUE(contains(svg, ">score</text>"));
  EXPECT_TRUE(contains(svg, ">300</text>"));
  EXPECT_TRUE(contains(svg, ">100%</text>"));
}

TEST_F(NeedleEval, ARerunSkipsTheCellsAlreadyDone) {
  {
    ScriptedServer server(testing::early_needle_model);
    run(server);
  }
  // Four finished lines and half of a fifth, as a crash mid-write leaves them.
  const std::vector<std::string> lines = file_lines(output("results.jsonl"));
  std::string partial;
  for (size_t i = 0; i < 4; ++i) partial += lines[i] + "\n";
  partial += lines[4].substr(0, lines[4].size() / 2);
  dir_.write("out/results.jsonl", partial);
  dir_.write("out/grid.json", "stale");

  ScriptedServer again(testing::early_needle_model);
  const NeedleReport report = run(again);
  EXPECT_EQ(again.calls(), 2);
  EXPECT_EQ(report.reused, 4u);
  EXPECT_EQ(report.computed, 2u);
  EXPECT_EQ(parse_json(output("grid.json"), "grid.json"), kExpectedGrid);
  std::set<std::pair<int64_t, double>> cells;
  const std::vector<std::string> now = file_lines(output("results.jsonl"));
  ASSERT_EQ(now.size(), 6u);
  for (size_t i = 0; i < now.size(); ++i) {
    const Json r = parse_json(now[i], "results.jsonl");
    EXPECT_TRUE(cells.insert({r["length"].get<int64_t>(), r["depth"].get<double>()}).second)
        << now[i];
    if (i < 4) {
      EXPECT_EQ(now[i], lines[i]);
    }
  }

  ScriptedServer idle(testing::early_needle_model);
  EXPECT_EQ(run(idle).reused, 6u);
  EXPECT_EQ(idle.calls(), 0);
}

TEST_F(NeedleEval, ResultsOfAnotherNeedleAreRefused) {
  ScriptedServer server(testing::early_needle_model);
  run(server);
  options_.text.answer = "saffron";
  const std::string message = testing::error_of([&] { run(server); });
  EXPECT_TRUE(contains(message, "holds results for another needle")) << message;
}

// A judge that rates a reply naming the answer 9 and any other 2; its first reply to each
// request of a paprika reply forgets the rating, so it is asked again.
void scripted_judge(int, const httplib::Request& req, httplib::Response& res) {
  const std::string prompt = testing::request_prompt(req);
  const bool right = contains(prompt, "[Reply]\nSmoked paprika.");
  const Json body = Json::parse(req.body);
  const bool first = body["temperature"] == 0.0;
  const std::string text = !right ? "Wrong fact. [[2]]" : first ? "Looks right." : "Right. [[9]]";
  res.set_content(testing::chat_completion(text).dump(), "application/json");
}

TEST_F(NeedleEval, AJudgeScoresOneToTenAsTenths) {
  ScriptedServer model(testing::early_needle_model), judge_server(scripted_judge);
  serve::ClientOptions o;
  o.base_url = judge_server.base_url();
  o.model = "judge";
  NeedleJudge judge(o);
  run(model, &judge);
  const Json grid = parse_json(output("grid.json"), "grid.json");
  EXPECT_EQ(grid["scores"], Json({{0.9, 0.9}, {0.9, 0.9}, {0.2, 0.2}}));
  EXPECT_EQ(judge_server.calls(), 4 * 2 + 2);  // each right reply was asked twice
  const std::string prompt = testing::request_prompt(judge_server.requests()[0]);
  EXPECT_TRUE(contains(prompt, "[Question]\n" + default_needle_text().question));
  EXPECT_TRUE(contains(prompt, "[Expected answer]\nsmoked paprika"));
}

TEST(NeedleJudgeTest, ARatingMissingThriceIsAnError) {
  ScriptedServer server([](int, const httplib::Request&, httplib::Response& res) {
    res.set_content(testing::chat_completion("I cannot say.").dump(), "application/json");
  });
  serve::ClientOptions o;
  o.base_url = server.base_url();
  o.model = "judge";
  NeedleJudge judge(o);
  const std::string message = testing::error_of([&] { judge.score("q", "a", "r"); });
  EXPECT_TRUE(contains(message, "no [[rating]] in three tries")) << message;
  EXPECT_EQ(server.calls(), 3);
}

}  // namespace
}  // namespace longalign::eval
