// `longalign eval metrics` as a user runs it.
#include <gtest/gtest.h>

#include "core/json.h"
#include "test_support.h"

namespace longalign {
namespace {

using testing::contains;
using testing::run_longalign;
using testing::shell_words;
using testing::TempDir;

TEST(EvalCli, MetricsJsonToFile) {
  TempDir dir;
  // qa_f1: 0.8 (see token_f1_test) and 1.0; mean 90.00, both in 0-4k.
  const auto preds =
      dir.write("preds.jsonl",
                R"({"pred": "the cat sat", "answers": ["a cat sat down"], "length": 12}
{"pred": "Paris", "answers": ["paris"], "length": 30}
)");
  const auto out = dir.path() / "summary.json";
  const auto r = run_longalign(shell_words({"eval", "metrics", "--predictions", preds.string(),
                                            "--metric", "qa_f1", "--json", "-o", out.string()}));
  ASSERT_EQ(r.code, 0) << r.err;
  const Json j = parse_json(testing::read_text_file(out), out.string());
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), 90.0);
  EXPECT_EQ(j["buckets"]["0-4k"]["count"], 2);

  const auto table = run_longalign(
      shell_words({"eval", "metrics", "--predictions", preds.string(), "--metric", "rouge_l"}));
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_TRUE(contains(table.out, "metric    rouge_l\n")) << table.out;
}

TEST(EvalCli, MalformedLineNamesFileAndLine) {
  TempDir dir;
  const auto preds = dir.write("preds.jsonl", R"({"pred": "a", "answers": ["a"]}
{"pred": "a", "answers": ["a"]
)");
  const auto r = run_longalign(
      shell_words({"eval", "metrics", "--predictions", preds.string(), "--metric", "exact"}));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "error: " + preds.string() + ":2:")) << r.err;
}

TEST(EvalCli, UnknownMetricIsAUsageError) {
  TempDir dir;
  const auto preds = dir.write("preds.jsonl", R"({"pred": "a", "answers": ["a"]})");
  const auto r = run_longalign(
      shell_words({"eval", "metrics", "--predictions", preds.string(), "--metric", "bleu"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown metric \"bleu\"")) << r.err;
}

}  // namespace
}  // namespace longalign
