// An append-only JSONL written by many threads (self-instruct output, evaluation results): lines
// never interleave, and a line cut short by a kill is removed on resume.
#include <gtest/gtest.h>

#include <thread>

#include "core/jsonl_appender.h"
#include "test_support.h"

namespace longalign {
namespace {

using testing::TempDir;

TEST(JsonlAppender, ConcurrentAppendsStayWholeLines) {
  TempDir dir;
  const auto file = dir.path() / "out.jsonl";
  {
    JsonlAppender out(file);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          out.append({{"t", t}, {"i", i}, {"pad", std::string(1000 + i, 'x')}});
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  const RecoveredJsonl back = recover_jsonl(file);
  EXPECT_EQ(back.dropped_bytes, 0u);
  ASSERT_EQ(back.lines.size(), 800u);
  std::vector<int> next(4, 0);
  for (const auto& line : back.lines) {
    const int t = line.record["t"];
    EXPECT_EQ(line.record["i"], next[t]++) << "each thread's lines in its order";
  }
  // Appending to an existing file keeps what is there.
  JsonlAppender(file).append({{"t", 9}});
  EXPECT_EQ(recover_jsonl(file).lines.size(), 801u);
}

TEST(JsonlAppender, RecoveryDropsAnUnfinishedLastLine) {
  TempDir dir;
  const auto file = dir.write("out.jsonl", "{\"a\": 1}\n\n{\"a\": 2}\n{\"a\": 3, \"messa");
  const RecoveredJsonl back = recover_jsonl(file);
  EXPECT_EQ(back.dropped_bytes, 15u);
  ASSERT_EQ(back.lines.size(), 2u);
  EXPECT_EQ(back.lines[1].number, 3u);
  EXPECT_EQ(back.lines[1].record["a"], 2);
  EXPECT_EQ(testing::read_text_file(file), "{\"a\": 1}\n\n{\"a\": 2}\n") << "the file is repaired";
  EXPECT_EQ(recover_jsonl(dir.path() / "none.jsonl").lines.size(), 0u);
}

TEST(JsonlAppender, RecoveryRefusesABadCompleteLine) {
  TempDir dir;
  const auto file = dir.write("out.jsonl", "{\"a\": 1}\nnot json\n");
  EXPECT_TRUE(testing::contains(testing::error_of([&] { recover_jsonl(file); }), "out.jsonl:2"));
}

}  // namespace
}  // namespace longalign
