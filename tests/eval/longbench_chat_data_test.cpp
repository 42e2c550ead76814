// Reading LongBench-Chat's files: the published layout, JSONL, and errors that name the file and
// the field.
#include <gtest/gtest.h>

#include "eval/longbench_chat_data.h"
#include "longbench_chat_fixture.h"
#include "test_support.h"

namespace longalign::eval {
namespace {

using testing::contains;
using testing::error_of;
using testing::TempDir;

TEST(LongBenchChatData, ReadsThePublishedLayout) {
  TempDir dir;
  const LongBenchChatData data = load_longbench_chat(testing::write_longbench_chat(dir));
  ASSERT_EQ(data.cases.size(), 3u);
  EXPECT_EQ(data.cases[2].idx, 3);
  EXPECT_EQ(data.cases[2].answer, "沿着河流。");
  EXPECT_EQ(data.cases[1].few_shots[0].answer, "shot-2-0");
  EXPECT_EQ(data.cases[1].few_shots[2].score, "2");
}

TEST(LongBenchChatData, JsonlAndDecimalScores) {
  TempDir dir;
  std::string jsonl;
  for (const Json& c : testing::longbench_chat_cases()) jsonl += c.dump() + "\n\n";
  const auto cases = dir.write("test_cases.json", jsonl);
  EXPECT_EQ(read_test_cases(cases).size(), 3u);
  Json shots = testing::longbench_chat_few_shots();
  shots[0][1]["score"] = 7.5;
  const auto few = dir.write("few_shots.json", shots.dump());
  std::vector<ChatCase> c = read_test_cases(cases);
  read_few_shots(few, c);
  EXPECT_EQ(c[0].few_shots[1].score, "7.5");
}

// The error reading `cases` (test_cases.json) and the standard few_shots.json.
std::string cases_error(const Json& cases) {
  TempDir dir;
  dir.write("data/test_cases.json", cases.dump());
  dir.write("data/few_shots.json", testing::longbench_chat_few_shots().dump());
  dir.write("data/prompt_fs.txt", testing::kJudgeTemplate);
  return error_of([&] { load_longbench_chat(dir.path() / "data"); });
}

TEST(LongBenchChatData, BadTestCasesNameFileRecordAndField) {
  Json cases = testing::longbench_chat_cases();
  cases[1].erase("query");
  EXPECT_TRUE(contains(cases_error(cases), "test_cases.json: [1]: field \"query\" is missing"))
      << cases_error(cases);
  cases = testing::longbench_chat_cases();
  cases[0]["prompt"] = 5;
  EXPECT_TRUE(
      contains(cases_error(cases), "test_cases.json: [0]: field \"prompt\" must be a string"));
  cases = testing::longbench_chat_cases();
  cases[2]["idx"] = "3";
  EXPECT_TRUE(contains(cases_error(cases), "[2]: field \"idx\" must be a positive integer"));
  cases = testing::longbench_chat_cases();
  cases[2]["idx"] = 1;
  EXPECT_TRUE(contains(cases_error(cases), "[2]: field \"idx\": 1 appears twice"));
  EXPECT_TRUE(contains(cases_error(Json::array()), "test_cases.json: holds no test cases"));
}

TEST(LongBenchChatData, MalformedJsonlNamesTheLine) {
  TempDir dir;
  const auto file = dir.write("test_cases.json", testing::longbench_chat_cases()[0].dump() +
                                                     "\n{\"idx\": 2, \"query\": \n");
  EXPECT_TRUE(contains(error_of([&] { read_test_cases(file); }), file.string() + ":2:"));
}

// The error reading `shots` as few_shots.json with the standard test cases.
std::string few_shots_error(const Json& shots) {
  TempDir dir;
  const auto file = dir.write("few_shots.json", shots.dump());
  std::vector<ChatCase> cases =
      read_test_cases(dir.write("test_cases.json", testing::longbench_chat_cases().dump()));
  return error_of([&] { read_few_shots(file, cases); });
}

TEST(LongBenchChatData, BadFewShotsNameEntryAndField) {
  Json shots = testing::longbench_chat_few_shots();
  shots[1][2].erase("score");
  EXPECT_TRUE(
      contains(few_shots_error(shots), "few_shots.json: [1][2]: field \"score\" is missing"));
  shots = testing::longbench_chat_few_shots();
  shots[0][0]["answer"] = Json::array();
  EXPECT_TRUE(contains(few_shots_error(shots),
                       "few_shots.json: [0][0]: field \"answer\" must be a string"));
  shots = testing::longbench_chat_few_shots();
  shots[2].erase(0);
  EXPECT_TRUE(contains(few_shots_error(shots), "few_shots.json: [2]: expected an array of 3"));
  shots = testing::longbench_chat_few_shots();
  shots.erase(2);
  EXPECT_TRUE(contains(few_shots_error(shots), "few_shots.json: [2]: missing: idx 3 needs 3"));
  EXPECT_TRUE(contains(few_shots_error(Json::object()), "few_shots.json: expected an array"));
}

TEST(LongBenchChatData, MissingFileIsNamed) {
  TempDir dir;
  dir.write("data/test_cases.json", testing::longbench_chat_cases().dump());
  dir.write("data/few_shots.json", testing::longbench_chat_few_shots().dump());
  EXPECT_TRUE(contains(error_of([&] { load_longbench_chat(dir.path() / "data"); }),
                       "prompt_fs.txt: cannot open"));
}

}  // namespace
}  // namespace longalign::eval
