// `longalign synth self-instruct` as a process: killed in the middle and resumed, stopped by a
// full disk and resumed, run against `longalign serve` with a tiny model, and its usage errors.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "full_disk.h"
#include "scripted_model.h"
#include "serve/serve_process.h"
#include "synth/documents.h"
#include "test_support.h"

namespace longalign {
namespace {

using namespace std::chrono_literals;
using testing::contains;
using testing::ScriptedServer;
using testing::TempDir;
namespace fs = std::filesystem;

std::vector<std::string> lines_of(const fs::path& file) {
  std::istringstream in(testing::read_text_file(file));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Writes `count` labelled documents to dir/docs and returns their texts.
std::vector<std::string> write_docs(const TempDir& dir, int count) {
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "docs/d%02d.txt", i);
    texts.push_back("[doc-" + std::to_string(i) + "] A report on the harbour, part " +
                    std::to_string(i) + ": ships came in at dawn and left at dusk.");
    dir.write(name, texts.back());
  }
  return texts;
}

// The output holds one record for each of `texts`, none twice and none missing.
void expect_every_document_once(const fs::path& out, const std::vector<std::string>& texts) {
  std::multiset<std::string> hashes;
  for (const std::string& line : lines_of(out)) {
    hashes.insert(Json::parse(line)["doc_hash"].get<std::string>());
  }
  std::multiset<std::string> want;
  for (const std::string& t : texts) want.insert(synth::document_hash_hex(synth::document_hash(t)));
  EXPECT_EQ(hashes, want) << "every document exactly once";
}

std::vector<std::string> cli_args(const TempDir& dir, const std::string& endpoint) {
  return {"synth",
          "self-instruct",
          "--docs",
          (dir.path() / "docs").string(),
          "--endpoint",
          endpoint,
          "--model",
          "scripted",
          "--min-tokens",
          "1",
          "--concurrency",
          "2",
          "--seed",
          "3",
          "-o",
          (dir.path() / "out.jsonl").string(),
          "--report",
          (dir.path() / "report.json").string()};
}

TEST(SelfInstructCli, KilledMidRunThenResumedMakesEveryDocumentOnce) {
  TempDir dir;
  const auto texts = write_docs(dir, 12);
  const fs::path out = dir.path() / "out.jsonl";
  ScriptedServer* slow_self = nullptr;
  ScriptedServer slow([&](int, const httplib::Request& req, httplib::Response& res) {
    slow_self->pause(150ms);
    testing::scripted_model(req, res);
  });
  slow_self = &slow;
  const pid_t pid = testing::spawn_longalign(cli_args(dir, slow.base_url()), dir.path() / "o1",
                                             dir.path() / "e1");
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (lines_of(out).size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed";
  const std::string before = testing::read_text_file(out);
  const size_t finished = lines_of(out).size();
  ASSERT_GE(finished, 3u);
  ASSERT_LT(finished, 12u);
  ASSERT_TRUE(before.ends_with("\n")) << "a killed run leaves whole lines";
  {
    // What a kill in the middle of a write would leave.
    std::ofstream append(out, std::ios::app | std::ios::binary);
    append << R"({"messages": [{"role": "user", "content": "[doc-11] A rep)";
  }

  ScriptedServer fast([](int, const httplib::Request& req, httplib::Response& res) {
    testing::scripted_model(req, res);
  });
  std::vector<std::string> args = cli_args(dir, fast.base_url());
  args.push_back("--resume");
  const auto r = testing::run_longalign(testing::shell_words(args));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "removed an unfinished last line")) << r.err;
  EXPECT_TRUE(testing::read_text_file(out).starts_with(before)) << "finished records kept";
  EXPECT_EQ(fast.calls(), static_cast<int>(2 * (12 - finished)));

  expect_every_document_once(out, texts);

  const Json report = Json::parse(testing::read_text_file(dir.path() / "report.json"));
  EXPECT_EQ(report["samples"]["already_done"], finished);
  EXPECT_EQ(report["samples"]["written"], 12 - finished);
  EXPECT_EQ(report["output"]["samples"], 12);
  EXPECT_TRUE(contains(r.out, "output: 12 samples")) << r.out;
}

// The log is the output: a full disk (no file may pass 3 KiB) ends the run with an error naming
// it, the records already there stay whole and load, and a resume with room finishes the rest.
TEST(SelfInstructCli, AFullDiskEndsTheRunAndAResumeFinishesIt) {
  TempDir dir;
  const auto texts = write_docs(dir, 12);
  const fs::path out = dir.path() / "out.jsonl";
  ScriptedServer server([](int, const httplib::Request& req, httplib::Response& res) {
    testing::scripted_model(req, res);
  });
  std::vector<std::string> args = cli_args(dir, server.base_url());
  const auto full = testing::run_longalign_limited(testing::shell_words(args), 3);
  EXPECT_EQ(full.code, 1) << full.err;
  EXPECT_TRUE(contains(full.err, out.string())) << full.err;
  EXPECT_TRUE(contains(full.err, "File too large")) << full.err;
  const std::string before = testing::read_text_file(out);
  const size_t finished = lines_of(out).size();
  ASSERT_GE(finished, 1u);
  ASSERT_LT(finished, 12u) << "the records did not fill 3 KiB";
  EXPECT_TRUE(before.ends_with("\n")) << "only whole lines stay";
  for (const std::string& line : lines_of(out)) EXPECT_NO_THROW(Json::parse(line)) << line;

  args.push_back("--resume");
  const auto r = testing::run_longalign(testing::shell_words(args));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(testing::read_text_file(out).starts_with(before)) << "finished records kept";
  expect_every_document_once(out, texts);
}

TEST(SelfInstructCli, AgainstLongalignServe) {
  TempDir dir;
  const fs::path model = testing::make_serve_model(dir);
  testing::ServeProcess server(dir, {"--model", model.string()});
  ASSERT_GT(server.port(), 0);
  std::string docs;
  for (int i = 0; i < 3; ++i) {
    std::string text = "Document " + std::to_string(i) + ".";
    for (int k = 0; k < 40; ++k) text += " The committee met on day " + std::to_string(k) + ".";
    docs += Json({{"text", text}, {"source", "web"}}).dump() + "\n";
  }
  dir.write("docs.jsonl", docs);
  const fs::path out = dir.path() / "out.jsonl", report_file = dir.path() / "report.json";
  const auto r =
      testing::run_longalign(testing::shell_words({"synth",
                                                   "self-instruct",
                                                   "--docs",
                                                   (dir.path() / "docs.jsonl").string(),
                                                   "--endpoint",
                                                   server.url() + "/v1",
                                                   "--model",
                                                   "model",
                                                   "--tokenizer",
                                                   testing::npm_tokenizer_dir("llama2").string(),
                                                   "--min-tokens",
                                                   "100",
                                                   "--max-tokens",
                                                   "1500",
                                                   "--question-tokens",
                                                   "24",
                                                   "--answer-tokens",
                                                   "8",
                                                   "--attempts",
                                                   "1",
                                                   "--concurrency",
                                                   "2",
                                                   "--temperature",
                                                   "1",
                                                   "--report",
                                                   report_file.string(),
                                                   "-o",
                                                   out.string()}));
  ASSERT_EQ(r.code, 0) << r.err << "\nserver log:\n" << server.log();
  const Json report = Json::parse(testing::read_text_file(report_file));
  EXPECT_EQ(report["documents"]["read"], 3);
  EXPECT_EQ(report["samples"]["planned"], 3) << "every document fits the length limits";
  const Json& s = report["samples"];
  EXPECT_EQ(s["failed"], 0) << r.err;
  EXPECT_EQ(
      s["written"].get<int>() + s["too_few_questions"].get<int>() + s["empty_answer"].get<int>(),
      3);
  EXPECT_GT(report["tokens"]["prompt"].get<int>(), 3 * 100) << "the server counted the prompts";
  EXPECT_GT(report["tokens"]["completion"].get<int>(), 0);
  EXPECT_EQ(lines_of(out).size(), s["written"].get<size_t>());
}

TEST(SelfInstructCli, UsageAndInputErrors) {
  TempDir dir;
  const auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"synth",      "self-instruct",
                                     "--endpoint", "http://127.0.0.1:9/v1",
                                     "--model",    "m",
                                     "-o",         (dir.path() / "out.jsonl").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::run_longalign(testing::shell_words(args));
  };
  const std::string bad =
      dir.write("bad.jsonl", "{\"text\": \"one\"}\n{\"body\": \"two\"}\n").string();
  const std::string docs = dir.write("docs.jsonl", "{\"text\": \"one\"}\n").string();
  auto r = run({"--docs", bad});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "bad.jsonl:2: missing string field \"text\"")) << r.err;
  r = run({"--docs", docs, "--types", "general,riddles"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "\"riddles\"")) << r.err;
  r = run({"--docs", docs, "--types", "general", "--upsample-above", "10"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "at least two --types")) << r.err;
  r = run({"--docs", docs, "--min-tokens", "10", "--max-tokens", "5"});
  EXPECT_EQ(r.code, 2);
  dir.write("out.jsonl", "{}\n");
  r = run({"--docs", docs});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "pass --resume")) << r.err;
}

}  // namespace
}  // namespace longalign
