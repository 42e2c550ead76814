// `data prepare`: the store holds exactly what tokenize_chat gives, cut the way asked; malformed
// lines are counted or fatal; mixing is deterministic; the CLI's exit codes.
#include "data/prepare.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "data/chat_record.h"
#include "data/chat_template.h"
#include "data/store.h"
#include "test_support.h"
#include "text/tokenizer.h"

namespace longalign::data {
namespace {

using testing::contains;
using testing::TempDir;
namespace fs = std::filesystem;

const char* const kLines[] = {
    R"({"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi there, tell me about the weather in a long sentence please"},{"role":"assistant","content":"Hello! It is sunny and warm with a light breeze from the west today."}]})",
    R"({"messages":[{"role":"user","content":"Only a question"}]})",
    R"({"conversations":[{"from":"human","value":"2+2?"},{"from":"gpt","value":"4"}]})",
    R"({"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"},{"role":"assistant","content":"d e f"}]})",
};

std::string jsonl(bool with_malformed) {
  std::string text;
  for (size_t i = 0; i < std::size(kLines); ++i) {
    text += kLines[i];
    text += '\n';
    if (with_malformed && i == 1) text += "{\"messages\": [\n";  // line 3
  }
  return text;
}

PrepareOptions options(const TempDir& dir, const fs::path& input) {
  PrepareOptions o;
  o.tokenizer = testing::npm_tokenizer_dir("llama3");
  o.chat_template = "llama3";
  o.max_length = 1000;
  o.inputs = {{input, 1.0}};
  o.output = dir.path() / "store";
  o.threads = 2;
  o.block_lines = 2;  // several blocks even for a small file
  return o;
}

std::vector<TokenizedChat> expected() {
  const auto tokenizer = text::Tokenizer::load(testing::npm_tokenizer_dir("llama3"));
  std::vector<TokenizedChat> out;
  for (const char* line : kLines) {
    out.push_back(
        tokenize_chat(parse_chat_record(line, "t"), ChatTemplate::kLlama3, tokenizer, {}));
  }
  return out;
}

template <typename T>
std::vector<T> vec(std::span<const T> s) {
  return {s.begin(), s.end()};
}

TEST(Prepare, StoreEqualsTokenizeChat) {
  TempDir dir;
  const auto input = dir.write("in.jsonl", jsonl(false));
  const PrepareReport r = prepare_store(options(dir, input));
  const auto want = expected();
  EXPECT_EQ(r.read, 4u);
  EXPECT_EQ(r.written, 3u);
  EXPECT_EQ(r.no_target, 1u);
  EXPECT_EQ(r.malformed, 0u);
  StoreReader store(dir.path() / "store");
  ASSERT_EQ(store.size(), 3u);
  const size_t kept[] = {0, 2, 3};
  uint64_t tokens = 0;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(vec(store.ids(i)), want[kept[i]].ids) << i;
    EXPECT_EQ(vec(store.mask(i)), want[kept[i]].mask) << i;
    tokens += want[kept[i]].ids.size();
  }
  EXPECT_EQ(r.tokens, tokens);
  EXPECT_EQ(store.meta()["template"], "llama3");
  EXPECT_EQ(store.meta()["counts"]["dropped_no_target"], 1u);
  EXPECT_TRUE(fs::exists(dir.path() / "store" / "report.json"));
  EXPECT_TRUE(contains(testing::read_text_file(dir.path() / "store" / "lengths.svg"), "<svg"));
}

TEST(Prepare, TruncationKeepsMaskAligned) {
  TempDir dir;
  const auto input = dir.write("in.jsonl", jsonl(false));
  const auto full = expected()[0];
  // Five tokens too long: every mode keeps some of the answer, so the sample stays.
  const uint32_t max = static_cast<uint32_t>(full.ids.size()) - 5;
  ASSERT_GT(max, 20u);
  for (const Truncation mode : {Truncation::right, Truncation::left, Truncation::middle}) {
    PrepareOptions o = options(dir, input);
    o.max_length = max;
    o.truncation = mode;
    const PrepareReport r = prepare_store(o);
    StoreReader store(o.output);
    std::vector<uint32_t> ids(full.ids.begin(), full.ids.end());
    std::vector<uint8_t> mask(full.mask.begin(), full.mask.end());
    const size_t n = ids.size();
    std::vector<uint32_t> want_ids;
    std::vector<uint8_t> want_mask;
    for (size_t i = 0; i < n; ++i) {
      const bool keep = mode == Truncation::right  ? i < max
                        : mode == Truncation::left ? i >= n - max
                                                   : (i < max / 2 || i >= n - (max - max / 2));
      if (keep) {
        want_ids.push_back(ids[i]);
        want_mask.push_back(mask[i]);
      }
    }
    EXPECT_GE(r.truncated, 1u) << truncation_name(mode);
    ASSERT_GE(store.size(), 1u);
    EXPECT_EQ(vec(store.ids(0)), want_ids) << truncation_name(mode);
    EXPECT_EQ(vec(store.mask(0)), want_mask) << truncation_name(mode);
  }
  PrepareOptions o = options(dir, input);
  o.max_length = max;
  o.truncation = Truncation::skip;
  const PrepareReport r = prepare_store(o);
  EXPECT_GE(r.too_long, 1u);
  EXPECT_EQ(r.truncated, 0u);
  StoreReader store(o.output);
  for (size_t i = 0; i < store.size(); ++i) EXPECT_LE(store.ids(i).size(), max);
}

TEST(Prepare, MalformedLineSkippedOrFatal) {
  TempDir dir;
  const auto input = dir.write("in.jsonl", jsonl(true));
  PrepareOptions o = options(dir, input);
  const PrepareReport r = prepare_store(o);
  EXPECT_EQ(r.malformed, 1u);
  EXPECT_EQ(r.written, 3u);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_TRUE(contains(r.warnings[0], input.string() + ":3")) << r.warnings[0];

  o.strict = true;
  o.output = dir.path() / "strict";
  try {
    prepare_store(o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), input.string() + ":3")) << e.what();
  }
  EXPECT_FALSE(fs::exists(o.output));
}

TEST(Prepare, MixingIsDeterministic) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 200; ++i) text += std::string(kLines[2]) + "\n";
  const auto input = dir.write("in.jsonl", text);
  const auto count = [&](double weight, uint64_t seed) {
    PrepareOptions o = options(dir, input);
    o.inputs = {{input, weight}};
    o.seed = seed;
    return prepare_store(o).written;
  };
  EXPECT_EQ(count(2, 1), 400u);
  EXPECT_EQ(count(0, 1), 0u);
  const uint64_t half = count(0.5, 7);
  EXPECT_EQ(count(0.5, 7), half);
  EXPECT_GT(half, 60u);
  EXPECT_LT(half, 140u);
  const uint64_t more = count(1.5, 7);
  EXPECT_EQ(more, 200u + half);  // the same draws decide the extra copy
}

TEST(Prepare, MixArgument) {
  EXPECT_EQ(parse_mix_input("a.jsonl:0.25").weight, 0.25);
  EXPECT_EQ(parse_mix_input("a.jsonl:0.25").path, "a.jsonl");
  EXPECT_EQ(parse_mix_input("dir:x/a.jsonl").path, "dir:x/a.jsonl");
  EXPECT_EQ(parse_mix_input("a.jsonl").weight, 1.0);
  EXPECT_THROW(parse_mix_input("a.jsonl:-1"), UsageError);
}

int run(const std::string& args, const TempDir& dir) {
  return testing::run_command(std::string(LONGALIGN_CLI) + " " + args + " </dev/null >" +
                              (dir.path() / "out").string() + " 2>" +
                              (dir.path() / "err").string());
}

TEST(PrepareCli, ExitCodesShowAndPlan) {
  TempDir dir;
  const auto input = dir.write("in.jsonl", jsonl(true));
  const std::string store = (dir.path() / "store").string();
  const std::string common = "data prepare --tokenizer " +
                             testing::npm_tokenizer_dir("llama3").string() +
                             " --template llama3 --max-len 64 --truncate right -o " + store;
  EXPECT_EQ(run(common + " " + input.string(), dir), 0);
  EXPECT_TRUE(
      contains(testing::read_text_file(dir.path() / "out"), "  skipped, malformed       1"));
  EXPECT_TRUE(contains(testing::read_text_file(dir.path() / "err"), "in.jsonl:3"));
  EXPECT_EQ(run(common + " --strict " + input.string(), dir), 1);
  EXPECT_EQ(run(common + " --truncate sideways " + input.string(), dir), 2);
  EXPECT_EQ(run(common, dir), 2);

  EXPECT_EQ(run("data show " + store + " --limit 1", dir), 0);
  const Json line = parse_json(testing::read_text_file(dir.path() / "out"), "out");
  EXPECT_EQ(line["ids"].size(), line["mask"].size());
  EXPECT_EQ(run("data show " + store + " --decode --tokenizer " +
                    testing::npm_tokenizer_dir("llama3").string(),
                dir),
            0);
  EXPECT_TRUE(contains(testing::read_text_file(dir.path() / "out"), "\u27e64<|eot_id|>\u27e7"));
  EXPECT_EQ(run("data show " + store + " --decode --limit 3", dir), 0);  // meta.json's tokenizer
  EXPECT_TRUE(contains(testing::read_text_file(dir.path() / "out"), "\u27e64<|eot_id|>\u27e7"));
  EXPECT_EQ(run("data show " + (dir.path() / "none").string(), dir), 1);

  EXPECT_EQ(
      run("data plan " + store + " --method pack --max-tokens 128 --batch-size 1 --seed 1", dir),
      0);
  EXPECT_TRUE(contains(testing::read_text_file(dir.path() / "out"), "3 samples"));
}

}  // namespace
}  // namespace longalign::data
