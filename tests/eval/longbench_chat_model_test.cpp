// LongBench-Chat with real parts: a tiny model answering through `longalign serve` and in this
// process (greedy, so both give the same answers), and the CLI killed mid-run, then rerun.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "eval/endpoint_answer_source.h"
#include "eval/local_answer_source.h"
#include "eval/longbench_chat.h"
#include "longbench_chat_fixture.h"
#include "serve/scripted_server.h"
#include "serve/serve_process.h"
#include "test_support.h"

namespace longalign::eval {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::contains;
using testing::ScriptedServer;
using testing::TempDir;

serve::ClientOptions client_for(const std::string& url, const std::string& model) {
  serve::ClientOptions o;
  o.base_url = url;
  o.model = model;
  o.api_key_env = "LONGALIGN_LBC_TEST_KEY";
  o.total_timeout = 60s;
  return o;
}

std::map<int64_t, Json> predictions_by_idx(const fs::path& out) {
  std::map<int64_t, Json> by_idx;
  std::istringstream in(testing::read_text_file(out / "predictions.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const Json p = Json::parse(line);
    EXPECT_TRUE(by_idx.emplace(p["idx"].get<int64_t>(), p).second) << "duplicate " << line;
  }
  return by_idx;
}

size_t line_count(const fs::path& file) {
  const std::string text = testing::read_text_file(file);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(LongBenchChatModel, ServedAndInProcessAnswersAgree) {
  TempDir dir;
  const LongBenchChatData bench = load_longbench_chat(testing::write_longbench_chat(dir));
  const fs::path model = testing::make_serve_model(dir);
  testing::ServeProcess server(dir, {"--model", model.string()});
  ASSERT_GT(server.port(), 0);
  ScriptedServer judge([](int, const httplib::Request& req, httplib::Response& res) {
    testing::stateless_judge_reply(req, res);
  });
  serve::OpenAiClient judge_client(client_for(judge.base_url(), "judge"));
  AnswerSettings settings;
  settings.max_length = 40;  // cuts q1 and q3, not q2
  settings.max_new_tokens = 8;
  LongBenchChatOptions options;
  options.output_dir = dir.path() / "served";
  {
    EndpointAnswerSource served(client_for(server.url() + "/v1", "model"), model, settings);
    EXPECT_TRUE(run_longbench_chat(bench, served, judge_client, options).complete());
  }
  options.output_dir = dir.path() / "local";
  {
    LocalAnswerSource local(model, "", infer::EngineOptions{}, settings);
    EXPECT_TRUE(run_longbench_chat(bench, local, judge_client, options).complete());
  }
  const auto served = predictions_by_idx(dir.path() / "served");
  const auto local = predictions_by_idx(dir.path() / "local");
  ASSERT_EQ(served.size(), 3u);
  ASSERT_EQ(local.size(), 3u);
  for (const auto& [idx, p] : served) {
    EXPECT_EQ(p, local.at(idx));
    EXPECT_GT(p["prompt_tokens"].get<int64_t>(), 0);
    EXPECT_GT(p["completion_tokens"].get<int64_t>(), 0);
    EXPECT_EQ(p["truncated"], idx != 2) << p.dump();
    // The template and at most 40 tokens of the prompt.
    EXPECT_LE(p["prompt_tokens"].get<int64_t>(), 40 + 20);
  }
}

std::vector<std::string> cli_args(const fs::path& data, const ScriptedServer& answers,
                                  const ScriptedServer& judge, const fs::path& out) {
  return {"eval",       "longbench-chat",   "--data",           data.string(),
          "--endpoint", answers.base_url(), "--endpoint-model", "m",
          "--judge",    judge.base_url(),   "--judge-model",    "judge",
          "-o",         out.string()};
}

TEST(LongBenchChatCli, KilledRunResumesWithNothingLostOrRepeated) {
  TempDir dir;
  const fs::path data = testing::write_longbench_chat(dir), out = dir.path() / "out";
  ScriptedServer answers([](int, const httplib::Request& req, httplib::Response& res) {
    testing::answer_reply(req, res);
  });
  // The third judge call (q2's first run) hangs, so the process is killed in mid-judgment.
  ScriptedServer* self = nullptr;
  ScriptedServer hanging([&self](int call, const httplib::Request& req, httplib::Response& res) {
    if (call >= 2) self->pause(60s);
    testing::stateless_judge_reply(req, res);
  });
  self = &hanging;
  const fs::path log_file = dir.path() / "log1";
  const pid_t pid =
      testing::spawn_longalign(cli_args(data, answers, hanging, out), log_file, log_file);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (hanging.calls() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(hanging.calls(), 3) << testing::read_text_file(log_file);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(line_count(out / "predictions.jsonl"), 2u);
  EXPECT_EQ(line_count(out / "judgments.jsonl"), 2u);
  EXPECT_FALSE(fs::exists(out / "summary.json"));

  ScriptedServer answers2([](int, const httplib::Request& req, httplib::Response& res) {
    testing::answer_reply(req, res);
  });
  ScriptedServer judge([](int, const httplib::Request& req, httplib::Response& res) {
    testing::stateless_judge_reply(req, res);
  });
  const auto resumed =
      testing::run_longalign(testing::shell_words(cli_args(data, answers2, judge, out)));
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_TRUE(contains(resumed.out, "score ")) << resumed.out;
  EXPECT_EQ(answers2.calls(), 1);  // q3
  EXPECT_EQ(judge.calls(), 4);
  EXPECT_EQ(line_count(out / "predictions.jsonl"), 3u);
  EXPECT_EQ(line_count(out / "judgments.jsonl"), 6u);
  EXPECT_EQ(predictions_by_idx(out).size(), 3u);

  const fs::path fresh = dir.path() / "fresh";
  const auto whole =
      testing::run_longalign(testing::shell_words(cli_args(data, answers2, judge, fresh)));
  ASSERT_EQ(whole.code, 0) << whole.err;
  EXPECT_EQ(testing::read_text_file(out / "summary.json"),
            testing::read_text_file(fresh / "summary.json"));
}

TEST(LongBenchChatCli, UsageAndDataErrors) {
  TempDir dir;
  const fs::path data = testing::write_longbench_chat(dir);
  const auto no_judge = testing::run_longalign(testing::shell_words(
      {"eval", "longbench-chat", "--data", data.string(), "--endpoint", "http://127.0.0.1:1/v1",
       "--endpoint-model", "m", "-o", (dir.path() / "o").string()}));
  EXPECT_EQ(no_judge.code, 2) << no_judge.err;
  EXPECT_TRUE(contains(no_judge.err, "--judge")) << no_judge.err;
  const auto neither = testing::run_longalign(testing::shell_words(
      {"eval", "longbench-chat", "--data", data.string(), "--judge", "http://127.0.0.1:1/v1",
       "--judge-model", "j", "-o", (dir.path() / "o").string()}));
  EXPECT_EQ(neither.code, 2) << neither.err;
  EXPECT_TRUE(contains(neither.err, "--model DIR or --endpoint URL")) << neither.err;

  dir.write("data/few_shots.json", "[[{\"answer\": \"a\"}]]");
  const auto bad = testing::run_longalign(testing::shell_words(
      {"eval", "longbench-chat", "--data", data.string(), "--endpoint", "http://127.0.0.1:1/v1",
       "--endpoint-model", "m", "--judge", "http://127.0.0.1:1/v1", "--judge-model", "j", "-o",
       (dir.path() / "o").string()}));
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(contains(bad.err, "error: " + (data / "few_shots.json").string() + ": [0]"))
      << bad.err;
}

}  // namespace
}  // namespace longalign::eval
