// `longalign eval needle` as a script calls it: a tiny local model end to end, and the usage
// errors.
#include <gtest/gtest.h>

#include "core/json.h"
#include "needle_fixture.h"
#include "serve/serve_process.h"
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

TEST(EvalNeedleCli, ALocalModelProducesEveryOutput) {
  TempDir dir;
  const fs::path model = testing::make_serve_model(dir), out = dir.path() / "out";
  dir.write("haystack/a.txt", testing::needle_prose());
  const auto r = run_longalign(
      shell_words({"eval", "needle", "--haystack", (dir.path() / "haystack").string(), "--lengths",
                   "200..400:2", "--depths", "0,100", "--model", model.string(), "--max-new-tokens",
                   "4", "--concurrency", "2", "--dtype", "fp32", "-o", out.string()}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "needle: 4 cells (4 answered now, 0 from an earlier run)")) << r.out;
  EXPECT_EQ(file_lines(read_text_file(out / "results.jsonl")).size(), 4u);
  const Json grid = parse_json(read_text_file(out / "grid.json"), "grid.json");
  EXPECT_EQ(grid["lengths"], Json({200, 400}));
  EXPECT_EQ(grid["depths"], Json({0.0, 100.0}));
  for (const Json& row : grid["scores"]) {
    for (const Json& score : row) EXPECT_TRUE(score == 0.0 || score == 1.0) << score;
  }
  const std::string svg = read_text_file(out / "heatmap.svg");
  size_t cells = 0;
  for (size_t at = svg.find("<title>"); at != std::string::npos; at = svg.find("<title>", at + 1)) {
    ++cells;
  }
  EXPECT_EQ(cells, 4u);
  EXPECT_TRUE(contains(svg, "Needle in a haystack: model, mean score")) << svg.substr(0, 400);
}

TEST(EvalNeedleCli, UsageErrorsExitTwo) {
  TempDir dir;
  dir.write("haystack/a.txt", testing::needle_prose());
  const std::string haystack = (dir.path() / "haystack").string();
  const std::string tokenizer = testing::npm_tokenizer_dir("llama2").string();
  const std::vector<std::string> base{"eval",   "needle", "--haystack",
                                      haystack, "-o",     (dir.path() / "out").string()};
  const auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> words = base;
    words.insert(words.end(), extra.begin(), extra.end());
    return run_longalign(shell_words(words));
  };
  const std::string url = "http://127.0.0.1:9/v1";
  for (const auto& extra : std::vector<std::vector<std::string>>{
           {"--lengths", "1k"},                                              // no model
           {"--lengths", "1k", "--endpoint", url, "--endpoint-model", "m"},  // no tokenizer
           {"--lengths", "1k..2k", "--endpoint", url, "--endpoint-model", "m", "--tokenizer",
            tokenizer},
           {"--lengths", "1k", "--endpoint", url, "--endpoint-model", "m", "--tokenizer", tokenizer,
            "--needle", "A fact."},
           {"--lengths", "1k", "--endpoint", url, "--endpoint-model", "m", "--tokenizer", tokenizer,
            "--match", "fuzzy"},
           {"--lengths", "1k", "--endpoint", url, "--endpoint-model", "m", "--tokenizer", tokenizer,
            "--depths", "0..120:3"},
           {"--lengths", "1k", "--endpoint", url, "--endpoint-model", "m", "--tokenizer", tokenizer,
            "--judge", url}}) {
    const auto r = run(extra);
    EXPECT_EQ(r.code, 2) << shell_words(extra) << "\n" << r.err;
  }
  EXPECT_FALSE(fs::exists(dir.path() / "out" / "results.jsonl"));
}

}  // namespace
}  // namespace longalign
