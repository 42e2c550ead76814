// `longalign synth tasks` and `synth chats` as scripts call them: exit codes, the JSONL they
// write, --haystack, --kinds.
#include <gtest/gtest.h>

#include <sstream>

#include "core/json.h"
#include "test_support.h"

namespace longalign {
namespace {

using testing::contains;
using testing::TempDir;
namespace fs = std::filesystem;

struct SynthRun {
  int code = -1;
  std::string err;
};

SynthRun synth(const std::vector<std::string>& args) {
  const auto r = testing::run_longalign("synth tasks " + testing::shell_words(args));
  return {r.code, r.err};
}

std::vector<Json> read_jsonl(const fs::path& file) {
  std::istringstream in(testing::read_text_file(file));
  std::vector<Json> out;
  for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
  return out;
}

const std::string kTokenizer = testing::npm_tokenizer_dir("llama3").string();

TEST(SynthCli, WritesChatJsonlDeterministically) {
  TempDir dir;
  const auto a = dir.path() / "a.jsonl", b = dir.path() / "b.jsonl";
  for (const auto& out : {a, b}) {
    const SynthRun r = synth({"--task", "multi-needle", "--tokenizer", kTokenizer, "--lengths",
                              "1k,1500", "--count", "2", "--seed", "5", "-o", out.string()});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  EXPECT_EQ(testing::read_text_file(a), testing::read_text_file(b));
  const auto records = read_jsonl(a);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0]["length"], 1024);
  EXPECT_EQ(records[2]["length"], 1500);
  for (const auto& j : records) {
    EXPECT_EQ(j["task"], "multi-needle");
    EXPECT_EQ(j["messages"][1]["content"], j["answer"]);
    EXPECT_TRUE(
        contains(j["messages"][0]["content"].get<std::string>(), j["answer"].get<std::string>()));
  }
}

TEST(SynthCli, Haystack) {
  TempDir dir;
  dir.write("hay/b.txt", "Beavers build dams across the cold creek.\n");
  dir.write("hay/a.txt", "Ants march in a long line toward the crumbs.\n");
  dir.write("hay/skip.md", "Moles dig tunnels.\n");
  const auto out = dir.path() / "out.jsonl";
  const SynthRun r = synth({"--task", "vartrack", "--tokenizer", kTokenizer, "--lengths", "1k",
                            "--haystack", (dir.path() / "hay").string(), "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto records = read_jsonl(out);
  ASSERT_EQ(records.size(), 1u);
  const std::string content = records[0]["messages"][0]["content"];
  EXPECT_TRUE(contains(content, "Ants march in a long line toward the crumbs. Beavers build"));
  EXPECT_FALSE(contains(content, "Moles"));

  const SynthRun empty = synth({"--task", "passkey", "--tokenizer", kTokenizer, "--lengths", "1k",
                                "--haystack", (dir.path() / "none").string(), "-o", out.string()});
  EXPECT_EQ(empty.code, 1);
  EXPECT_TRUE(contains(empty.err, "error: ")) << empty.err;
}

TEST(SynthCli, UsageErrorsExitTwo) {
  TempDir dir;
  const std::string out = (dir.path() / "out.jsonl").string();
  for (const char* lengths : {"1k,,2k", "0", "big", "4m"}) {
    const SynthRun r =
        synth({"--task", "passkey", "--tokenizer", kTokenizer, "--lengths", lengths, "-o", out});
    EXPECT_EQ(r.code, 2) << lengths << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "--lengths")) << r.err;
  }
  const SynthRun task =
      synth({"--task", "needles", "--tokenizer", kTokenizer, "--lengths", "1k", "-o", out});
  EXPECT_EQ(task.code, 2);
  EXPECT_TRUE(contains(task.err, "unknown task")) << task.err;
  const SynthRun all = synth({"--task", "passkey", "--tokenizer", kTokenizer, "--lengths", "1k",
                              "--all-needles", "-o", out});
  EXPECT_EQ(all.code, 2);
  const SynthRun missing = synth({"--task", "kv", "--lengths", "1k", "-o", out});
  EXPECT_EQ(missing.code, 2);
  EXPECT_FALSE(fs::exists(out));
}

TEST(SynthCli, MissingTokenizerExitsOne) {
  TempDir dir;
  const SynthRun r = synth({"--task", "passkey", "--tokenizer", (dir.path() / "nope").string(),
                            "--lengths", "1k", "-o", (dir.path() / "out.jsonl").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "error: ")) << r.err;
}

// `synth chats --kinds` rotates through the kinds given, a repeated kind coming that much more
// often; each answer is what its prompt asks for.
TEST(SynthCli, ChatsFollowTheKindRotation) {
  TempDir dir;
  const auto out = dir.path() / "chats.jsonl";
  const auto r = testing::run_longalign(
      "synth chats --count 6 --seed 2 --kinds copy,copy,reverse -o " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto records = read_jsonl(out);
  ASSERT_EQ(records.size(), 6u);
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i]["task"], i % 3 == 2 ? "chat-reverse" : "chat-copy") << i;
    const std::string prompt = records[i]["messages"][0]["content"];
    const std::string answer = records[i]["messages"][1]["content"];
    EXPECT_EQ(answer, records[i]["answer"]);
    if (i % 3 != 2) {
      EXPECT_TRUE(prompt.ends_with(": " + answer)) << prompt;
    }
  }
  const auto bad = testing::run_longalign("synth chats --count 2 --kinds copy,poem -o " +
                                          (dir.path() / "bad.jsonl").string());
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.err, "unknown chat kind \"poem\"")) << bad.err;
  EXPECT_FALSE(fs::exists(dir.path() / "bad.jsonl"));
}

}  // namespace
}  // namespace longalign
