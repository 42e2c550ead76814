// LongBench-Chat runs against scripted servers (tests/serve/scripted_server.h) standing in for
// the model under test and for the judge: scores computed by hand, the last-[[n]] rule, failed
// judgments, the examples' order, retried 429s and 500s, and resuming a partial output folder.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "eval/endpoint_answer_source.h"
#include "eval/longbench_chat.h"
#include "longbench_chat_fixture.h"
#include "serve/scripted_server.h"
#include "test_support.h"

namespace longalign::eval {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::contains;
using testing::ScriptedServer;
using testing::TempDir;

// Fast retries, so a test waits only where it means to.
serve::ClientOptions client_for(const std::string& url, const std::string& model) {
  serve::ClientOptions o;
  o.base_url = url;
  o.model = model;
  o.api_key_env = "LONGALIGN_LBC_TEST_KEY";
  o.total_timeout = 10s;
  o.retry.max_retries = 3;
  o.retry.initial_backoff = 1ms;
  o.retry.max_backoff = 5ms;
  return o;
}

LongBenchChatSummary run_into(const fs::path& data_dir, const fs::path& out,
                              const ScriptedServer& answer_server,
                              const ScriptedServer& judge_server, int concurrency = 1,
                              uint64_t seed = 42) {
  const LongBenchChatData data = load_longbench_chat(data_dir);
  EndpointAnswerSource answers(client_for(answer_server.base_url(), "model-under-test"), "",
                               AnswerSettings{});
  serve::OpenAiClient judge(client_for(judge_server.base_url(), "judge"));
  LongBenchChatOptions o;
  o.output_dir = out;
  o.concurrency = concurrency;
  o.judge.seed = seed;
  return run_longbench_chat(data, answers, judge, o);
}

std::vector<Json> read_jsonl(const fs::path& file) {
  std::vector<Json> records;
  std::istringstream in(testing::read_text_file(file));
  for (std::string line; std::getline(in, line);) records.push_back(Json::parse(line));
  return records;
}

std::map<std::pair<int64_t, int>, Json> judgments_by_key(const fs::path& out) {
  std::map<std::pair<int64_t, int>, Json> by_key;
  for (const Json& j : read_jsonl(out / "judgments.jsonl")) {
    EXPECT_TRUE(by_key.emplace(std::pair{j["idx"].get<int64_t>(), j["run"].get<int>()}, j).second)
        << "duplicate judgment " << j.dump();
  }
  return by_key;
}

ScriptedServer answer_server() {
  return ScriptedServer([](int, const httplib::Request& req, httplib::Response& res) {
    testing::answer_reply(req, res);
  });
}

ScriptedServer stateless_judge() {
  return ScriptedServer([](int, const httplib::Request& req, httplib::Response& res) {
    testing::stateless_judge_reply(req, res);
  });
}

TEST(LongBenchChat, ScoresFromFixedJudgeReplies) {
  TempDir dir;
  const fs::path data = testing::write_longbench_chat(dir), out = dir.path() / "out";
  // Per question, the judge's replies in the order it is asked (a question's runs are asked one
  // after another, so this holds with any concurrency):
  //   q1: 6, then a decoy [[3]] before the verdict 8      -> (6 + 8) / 2 = 7
  //   q2: 7.5 both times                                  -> 7.5
  //   q3 (Chinese): no rating three times (failed), then 4 -> 4
  const std::map<int, std::vector<std::string>> replies{
      {1, {"Good. [[6]]", "I first thought [[3]], but on reflection: [[8]]"}},
      {2, {"[[7.5]]", "[[7.5]]"}},
      {3, {"I cannot decide.", "I cannot decide.", "I cannot decide.", "Fine. [[4]]"}}};
  std::mutex mutex;
  std::map<int, size_t> asked;
  ScriptedServer judge([&](int, const httplib::Request& req, httplib::Response& res) {
    const int q = testing::question_of(Json::parse(req.body)["messages"][1]["content"]);
    std::lock_guard lock(mutex);
    testing::reply_chat(res, replies.at(q).at(asked[q]++), 100, 10);
  });
  ScriptedServer answers = answer_server();
  const LongBenchChatSummary s = run_into(data, out, answers, judge, /*concurrency=*/2);

  EXPECT_TRUE(s.complete());
  ASSERT_TRUE(s.overall.mean);
  EXPECT_DOUBLE_EQ(*s.overall.mean, (7.0 + 7.5 + 4.0) / 3);
  EXPECT_EQ(s.overall.count, 3);
  EXPECT_DOUBLE_EQ(*s.by_language.at("en").mean, 7.25);
  EXPECT_EQ(s.by_language.at("en").count, 2);
  EXPECT_DOUBLE_EQ(*s.by_language.at("zh").mean, 4.0);
  EXPECT_EQ(s.judgments, 6);
  EXPECT_EQ(s.judge_failures, 1);
  EXPECT_EQ(answers.calls(), 3);
  EXPECT_EQ(judge.calls(), 8);
  EXPECT_EQ(s.answer_tokens.prompt, 150);
  EXPECT_EQ(s.answer_tokens.completion, 15);
  EXPECT_EQ(s.judge_tokens.prompt, 800);
  EXPECT_EQ(s.judge_tokens.completion, 80);

  const Json summary = parse_json(testing::read_text_file(out / "summary.json"), "summary");
  EXPECT_DOUBLE_EQ(summary["score"].get<double>(), (7.0 + 7.5 + 4.0) / 3);
  EXPECT_EQ(summary["by_language"]["zh"]["count"], 1);
  EXPECT_EQ(summary["judge_failures"], 1);
  EXPECT_EQ(summary["question_scores"]["1"], 7.0);
  EXPECT_EQ(summary["tokens"]["judging"]["prompt"], 800);
  EXPECT_TRUE(contains(testing::read_text_file(out / "summary.txt"), "score             6.17"));

  const std::vector<Json> predictions = read_jsonl(out / "predictions.jsonl");
  ASSERT_EQ(predictions.size(), 3u);
  for (const Json& p : predictions) {
    EXPECT_EQ(p["prediction"], Json("answer to q" + std::to_string(p["idx"].get<int>())));
    EXPECT_EQ(p["prompt_tokens"], 50);
    EXPECT_EQ(p["truncated"], false);
  }
  const auto judgments = judgments_by_key(out);
  ASSERT_EQ(judgments.size(), 6u);
  const Json& failed = judgments.at({3, 0});
  EXPECT_TRUE(failed["score"].is_null());
  EXPECT_EQ(failed["attempts"], 3);
  EXPECT_EQ(failed["reply"], "I cannot decide.");
  EXPECT_EQ(judgments.at({1, 1})["score"], 8.0);

  // What the judge was sent: its system message, temperature 0, the question, the reference,
  // the answer, and the examples in the order recorded for that run.
  std::map<int, std::set<std::vector<int>>> shown;
  for (const httplib::Request& r : judge.requests()) {
    const Json body = Json::parse(r.body);
    EXPECT_EQ(body["model"], "judge");
    EXPECT_EQ(body["temperature"], 0.0);
    EXPECT_EQ(body["messages"][0]["role"], "system");
    const std::string prompt = body["messages"][1]["content"];
    const int q = testing::question_of(prompt);
    EXPECT_TRUE(contains(prompt, "answer to q" + std::to_string(q) + "\nRating: "));
    EXPECT_TRUE(
        contains(prompt, testing::longbench_chat_cases()[q - 1]["answer"].get<std::string>()));
    shown[q].insert(testing::shown_order(prompt));
  }
  for (const auto& [key, j] : judgments) {
    const auto order = few_shot_order(42, key.first, key.second);
    EXPECT_EQ(j["few_shot_order"], Json(order));
    EXPECT_TRUE(shown[static_cast<int>(key.first)].count({order.begin(), order.end()}));
  }
}

TEST(LongBenchChat, FewShotOrderIsSeededAndVariesByRun) {
  TempDir dir;
  const fs::path data = testing::write_longbench_chat(dir);
  ScriptedServer answers = answer_server(), judge = stateless_judge();
  run_into(data, dir.path() / "a", answers, judge);
  run_into(data, dir.path() / "b", answers, judge, /*concurrency=*/3);
  run_into(data, dir.path() / "c", answers, judge, 1, /*seed=*/7);
  const auto a = judgments_by_key(dir.path() / "a"), b = judgments_by_key(dir.path() / "b"),
             c = judgments_by_key(dir.path() / "c");
  int differ_by_run = 0, differ_by_seed = 0;
  for (const auto& [key, j] : a) {
    EXPECT_EQ(j["few_shot_order"], b.at(key)["few_shot_order"]);
    EXPECT_EQ(j["score"], b.at(key)["score"]);
    differ_by_seed += j["few_shot_order"] != c.at(key)["few_shot_order"];
    if (key.second == 0)
      differ_by_run += j["few_shot_order"] != a.at({key.first, 1})["few_shot_order"];
  }
  EXPECT_GE(differ_by_run, 1);
  EXPECT_GE(differ_by_seed, 1);
  // The stateless judge's rating depends on the first example shown, so the order reached it.
  for (const auto& [key, j] : a) {
    EXPECT_EQ(j["score"], 1 + (3 * key.first + j["few_shot_order"][0].get<int>()) % 10);
  }
}

// Keeps the first `lines` lines of `file` and half of the next one, as a run killed while
// writing would.
void cut_after(const fs::path& file, size_t lines) {
  const std::string text = testing::read_text_file(file);
  size_t end = 0;
  for (size_t i = 0; i < lines; ++i) end = text.find('\n', end) + 1;
  const size_t next = text.find('\n', end);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text.substr(0, end + (next - end) / 2);
}

TEST(LongBenchChat, ResumesAPartialFolderWithoutDuplicatesOrLosses) {
  TempDir dir;
  const fs::path data = testing::write_longbench_chat(dir);
  const fs::path whole = dir.path() / "whole", resumed = dir.path() / "resumed";
  {
    ScriptedServer answers = answer_server(), judge = stateless_judge();
    run_into(data, whole, answers, judge);
    run_into(data, resumed, answers, judge);
  }
  cut_after(resumed / "predictions.jsonl", 1);
  cut_after(resumed / "judgments.jsonl", 2);
  fs::remove(resumed / "summary.json");

  ScriptedServer answers = answer_server(), judge = stateless_judge();
  const LongBenchChatSummary s = run_into(data, resumed, answers, judge, /*concurrency=*/2);
  EXPECT_TRUE(s.complete());
  EXPECT_EQ(answers.calls(), 2);  // q1 was answered; q2's line was cut short
  EXPECT_EQ(judge.calls(), 4);    // two of six judgments were whole
  std::set<int64_t> idx;
  for (const Json& p : read_jsonl(resumed / "predictions.jsonl")) {
    EXPECT_TRUE(idx.insert(p["idx"].get<int64_t>()).second) << "duplicate " << p.dump();
  }
  EXPECT_EQ(idx.size(), 3u);
  EXPECT_EQ(judgments_by_key(resumed), judgments_by_key(whole));
  EXPECT_EQ(testing::read_text_file(resumed / "summary.json"),
            testing::read_text_file(whole / "summary.json"));

  // A rerun of a complete folder asks nobody anything and reports the same.
  run_into(data, resumed, answers, judge);
  EXPECT_EQ(answers.calls(), 2);
  EXPECT_EQ(judge.calls(), 4);
  EXPECT_EQ(testing::read_text_file(resumed / "summary.json"),
            testing::read_text_file(whole / "summary.json"));
}

TEST(LongBenchChat, AnUnreachableJudgeLeavesItsJudgmentsForARerun) {
  TempDir dir;
  const fs::path data = testing::write_longbench_chat(dir), out = dir.path() / "out";
  ScriptedServer answers = answer_server();
  {
    // q2's judgments fail for good: a 400 is not retried.
    ScriptedServer judge([](int, const httplib::Request& req, httplib::Response& res) {
      if (testing::question_of(req.body) == 2) {
        res.status = 400;
        res.set_content(R"({"error": {"message": "bad request"}})", "application/json");
        return;
      }
      testing::stateless_judge_reply(req, res);
    });
    const LongBenchChatSummary s = run_into(data, out, answers, judge);
    EXPECT_FALSE(s.complete());
    EXPECT_EQ(s.missing_judgments, 2);
    EXPECT_EQ(s.answered, 3);
    EXPECT_EQ(parse_json(testing::read_text_file(out / "summary.json"), "s")["complete"], false);
  }
  ScriptedServer judge = stateless_judge();
  const LongBenchChatSummary s = run_into(data, out, answers, judge);
  EXPECT_TRUE(s.complete());
  EXPECT_EQ(judge.calls(), 2);
  EXPECT_EQ(answers.calls(), 3);
  EXPECT_EQ(judgments_by_key(out).size(), 6u);
}

TEST(LongBenchChat, RateLimitAndServerErrorFromTheJudgeAreRetried) {
  TempDir dir;
  const fs::path data = testing::write_longbench_chat(dir), out = dir.path() / "out";
  ScriptedServer answers = answer_server();
  ScriptedServer judge([](int call, const httplib::Request& req, httplib::Response& res) {
    if (call == 0) {
      res.status = 429;
      res.set_header("Retry-After", "0.3");
      res.set_content(R"({"error": {"message": "slow down", "type": "rate_limit_error"}})",
                      "application/json");
    } else if (call == 1) {
      res.status = 500;
      res.set_content(R"({"error": {"message": "overloaded"}})", "application/json");
    } else {
      testing::stateless_judge_reply(req, res);
    }
  });
  const LongBenchChatSummary s = run_into(data, out, answers, judge);
  EXPECT_TRUE(s.complete());
  EXPECT_EQ(s.judge_failures, 0);
  EXPECT_EQ(judge.calls(), 8);
  // The client's own backoff is a millisecond here: the wait came from Retry-After.
  const auto arrivals = judge.arrivals();
  EXPECT_GE(arrivals[1] - arrivals[0], 250ms);
}

TEST(LongBenchChat, RecordsFromAnotherDatasetAreRefused) {
  TempDir dir;
  const fs::path data = testing::write_longbench_chat(dir), out = dir.path() / "out";
  ScriptedServer answers = answer_server(), judge = stateless_judge();
  dir.write("out/predictions.jsonl",
            R"({"idx": 1, "query": "another question", "prediction": "x", "prompt_tokens": 1,)"
            R"( "completion_tokens": 1, "truncated": false})"
            "\n");
  EXPECT_TRUE(contains(testing::error_of([&] { run_into(data, out, answers, judge); }),
                       "predictions.jsonl: record 1: field \"query\": idx 1 was asked another"));
  dir.write("out/predictions.jsonl", "{\"idx\": 1}\n");
  EXPECT_TRUE(contains(testing::error_of([&] { run_into(data, out, answers, judge); }),
                       "predictions.jsonl: record 1: field \"query\" is missing"));
  EXPECT_EQ(answers.calls(), 0);
}

}  // namespace
}  // namespace longalign::eval
