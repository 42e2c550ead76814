// `longalign eval tasks` as a script calls it: a file made by `longalign synth tasks`, answered
// by a scripted endpoint that is right for chosen records, and the accuracy worked out by hand.
#include <gtest/gtest.h>

#include <set>

#include "core/json.h"
#include "needle_fixture.h"
#include "serve/scripted_server.h"
#include "test_support.h"

namespace longalign {
namespace {

using testing::contains;
using testing::file_lines;
using testing::read_text_file;
using testing::run_longalign;
using testing::shell_words;
using testing::TempDir;
namespace fs = std::filesystem;

// passkey at 256 and 512 tokens, then vartrack at the same lengths, three records each.
fs::path make_tasks(const TempDir& dir) {
  std::string all;
  for (const char* task : {"passkey", "vartrack"}) {
    const fs::path file = dir.path() / (std::string(task) + ".jsonl");
    const auto r =
        run_longalign(shell_words({"synth", "tasks", "--task", task, "--tokenizer",
                                   testing::npm_tokenizer_dir("llama2").string(), "--lengths",
                                   "256,512", "--count", "3", "--seed", "5", "-o", file.string()}));
    EXPECT_EQ(r.code, 0) << r.err;
    all += read_text_file(file);
  }
  return dir.write("tasks.jsonl", all);
}

// Right for records 0-3, 6 and 11 (found by their prompt): passkey 256 3/3, passkey 512 1/3,
// vartrack 256 1/3, vartrack 512 1/3.
class RightForSome {
 public:
  explicit RightForSome(const fs::path& data) {
    for (const std::string& line : file_lines(read_text_file(data))) {
      if (line.empty()) continue;
      const Json r = Json::parse(line);
      records_.emplace_back(r["messages"][0]["content"].get<std::string>(),
                            r["answer"].get<std::string>());
    }
  }

  void operator()(int, const httplib::Request& req, httplib::Response& res) const {
    const std::string prompt = testing::request_prompt(req);
    std::string reply = "I do not know.";
    for (size_t i = 0; i < records_.size(); ++i) {
      if (records_[i].first == prompt && kRight.contains(i)) reply = "It is " + records_[i].second;
    }
    res.set_content(testing::chat_completion(reply).dump(), "application/json");
  }

 private:
  inline static const std::set<size_t> kRight = {0, 1, 2, 3, 6, 11};
  std::vector<std::pair<std::string, std::string>> records_;
};

const Json kExpectedAccuracy = {{"tasks",
                                 {{"passkey",
                                   {{"256", {{"correct", 3}, {"total", 3}}},
                                    {"512", {{"correct", 1}, {"total", 3}}},
                                    {"all", {{"correct", 4}, {"total", 6}}}}},
                                  {"vartrack",
                                   {{"256", {{"correct", 1}, {"total", 3}}},
                                    {"512", {{"correct", 1}, {"total", 3}}},
                                    {"all", {{"correct", 2}, {"total", 6}}}}}}},
                                {"all", {{"correct", 6}, {"total", 12}}}};

testing::CliResult eval_tasks(const testing::ScriptedServer& server, const fs::path& data,
                              const fs::path& out, const std::string& match = "contains") {
  return run_longalign(shell_words({"eval", "tasks", "--data", data.string(), "--endpoint",
                                    server.base_url(), "--endpoint-model", "scripted", "--match",
                                    match, "--concurrency", "3", "-o", out.string()}));
}

TEST(EvalTasks, AccuracyPerTaskAndLength) {
  TempDir dir;
  const fs::path data = make_tasks(dir), out = dir.path() / "out";
  testing::ScriptedServer server{RightForSome(data)};
  const auto r = eval_tasks(server, data, out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(server.calls(), 12);
  const Json report = parse_json(read_text_file(out / "accuracy.json"), "accuracy.json");
  EXPECT_EQ(report["accuracy"], kExpectedAccuracy);
  EXPECT_EQ(report["match"], "contains");
  EXPECT_EQ(report["records"], 12);
  // The table: one row per task, one column per length, totals.
  EXPECT_EQ(read_text_file(out / "accuracy.txt"), r.out);
  EXPECT_TRUE(contains(r.out, "passkey             3/3 (100%)       1/3 (33%)       4/6 (67%)"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "all                  4/6 (67%)       2/6 (33%)      6/12 (50%)"))
      << r.out;
  EXPECT_EQ(file_lines(read_text_file(out / "results.jsonl")).size(), 12u);
}

TEST(EvalTasks, ExactMatchWantsTheAnswerAlone) {
  TempDir dir;
  const fs::path data = make_tasks(dir), out = dir.path() / "out";
  testing::ScriptedServer server{RightForSome(data)};
  const auto r = eval_tasks(server, data, out, "exact");
  ASSERT_EQ(r.code, 0) << r.err;
  const Json report = parse_json(read_text_file(out / "accuracy.json"), "accuracy.json");
  EXPECT_EQ(report["accuracy"]["all"], Json({{"correct", 0}, {"total", 12}}));
}

TEST(EvalTasks, ARerunAnswersOnlyWhatIsMissing) {
  TempDir dir;
  const fs::path data = make_tasks(dir), out = dir.path() / "out";
  {
    testing::ScriptedServer server{RightForSome(data)};
    ASSERT_EQ(eval_tasks(server, data, out).code, 0);
  }
  const std::vector<std::string> lines = file_lines(read_text_file(out / "results.jsonl"));
  std::string kept;
  for (size_t i = 0; i < 5; ++i) kept += lines[i] + "\n";
  dir.write("out/results.jsonl", kept);

  testing::ScriptedServer again{RightForSome(data)};
  const auto r = eval_tasks(again, data, out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(again.calls(), 7);
  const Json report = parse_json(read_text_file(out / "accuracy.json"), "accuracy.json");
  EXPECT_EQ(report["accuracy"], kExpectedAccuracy);
  std::set<int64_t> indices;
  for (const std::string& line : file_lines(read_text_file(out / "results.jsonl"))) {
    EXPECT_TRUE(indices.insert(Json::parse(line)["index"].get<int64_t>()).second) << line;
  }
  EXPECT_EQ(indices.size(), 12u);

  // Results of another file are not mixed in.
  const fs::path other =
      dir.write("other.jsonl", file_lines(read_text_file(dir.path() / "vartrack.jsonl"))[0]);
  const auto refused = eval_tasks(again, other, out);
  EXPECT_EQ(refused.code, 1);
  EXPECT_TRUE(contains(refused.err, "does not match the records of this data file")) << refused.err;
}

TEST(EvalTasks, BadRecordsAndArgumentsAreRefused) {
  TempDir dir;
  const fs::path bad = dir.write("bad.jsonl",
                                 "{\"messages\": [{\"role\": \"user\", \"content\": "
                                 "\"hi\"}], \"task\": \"t\"}\n");
  testing::ScriptedServer server([](int, const httplib::Request&, httplib::Response& res) {
    res.set_content(testing::chat_completion("hello").dump(), "application/json");
  });
  auto r = eval_tasks(server, bad, dir.path() / "out");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "bad.jsonl:1")) << r.err;
  EXPECT_TRUE(contains(r.err, "answer")) << r.err;
  r = run_longalign(shell_words({"eval", "tasks", "--data", bad.string(), "-o", "x"}));
  EXPECT_EQ(r.code, 2) << r.err;
  r = run_longalign(shell_words(
      {"eval", "tasks", "--data", bad.string(), "--endpoint", server.base_url(), "-o", "x"}));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(server.calls(), 0);
}

}  // namespace
}  // namespace longalign
