#include "eval/metrics.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace longalign::eval {
namespace {

using testing::contains;
using testing::error_of;
using testing::TempDir;

// Scores under qa_f1, by hand:
//   line 1: "the cat sat" vs "a cat sat down"   0.8   (length 1000 -> 0-4k)
//   line 2: "Paris" vs best of London, paris    1.0   (3999 -> 0-4k)
//   line 4: "blue" vs "red"                     0.0   (4000 -> 4-8k)
//   line 5: "red car" vs "red": P 1/2, R 1      2/3   (9000 -> 8k+)
// Overall (0.8 + 1 + 0 + 2/3) / 4 = 61.67; 0-4k 90.00, 4-8k 0.00, 8k+ 66.67.
constexpr const char* kPredictions =
    R"({"pred": "the cat sat", "answers": ["a cat sat down"], "length": 1000}
{"pred": "Paris", "answers": ["London", "paris"], "length": 3999}

{"pred": "blue", "answers": "red", "length": 4000}
{"pred": "red car", "answers": ["red"], "length": 9000}
)";

TEST(EvalMetrics, MeanOfBestScoresWithLengthBuckets) {
  TempDir dir;
  const auto file = dir.write("preds.jsonl", kPredictions);
  const MetricsReport r = evaluate_predictions(file, {});
  EXPECT_EQ(r.overall.count, 4u);
  EXPECT_NEAR(*r.overall.score, 100.0 * (0.8 + 1.0 + 0.0 + 2.0 / 3.0) / 4.0, 1e-9);
  ASSERT_EQ(r.buckets.size(), 3u);
  EXPECT_EQ(r.buckets[0].first, "0-4k");
  EXPECT_EQ(r.buckets[0].second.count, 2u);
  EXPECT_NEAR(*r.buckets[0].second.score, 90.0, 1e-9);
  EXPECT_NEAR(*r.buckets[1].second.score, 0.0, 1e-9);
  EXPECT_NEAR(*r.buckets[2].second.score, 200.0 / 3.0, 1e-9);

  const Json j = metrics_json(r);
  EXPECT_EQ(j["metric"], "qa_f1");
  EXPECT_EQ(j["count"], 4);
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), 61.67);
  EXPECT_DOUBLE_EQ(j["buckets"]["8k+"]["score"].get<double>(), 66.67);
  EXPECT_TRUE(contains(metrics_table(r), "score     61.67\n"));
  EXPECT_TRUE(contains(metrics_table(r), "0-4k      90.00 (2 samples)\n"));
}

TEST(EvalMetrics, NoLengthsNoBucketsAndOtherFieldNames) {
  TempDir dir;
  const auto file = dir.write("p.jsonl", R"({"out": "7", "gold": ["7"]}
{"out": "7 or 8", "gold": ["7"]}
)");
  MetricsOptions options;
  options.metric = Metric::kCount;
  options.fields.pred = "out";
  options.fields.answers = "gold";
  const MetricsReport r = evaluate_predictions(file, options);
  EXPECT_NEAR(*r.overall.score, 75.0, 1e-9);  // (1 + 1/2) / 2
  EXPECT_TRUE(r.buckets.empty());
  EXPECT_FALSE(metrics_json(r).contains("buckets"));
}

TEST(EvalMetrics, EmptyBucketHasNoScore) {
  TempDir dir;
  const auto file = dir.write("p.jsonl", R"({"pred": "a b", "answers": ["a b"], "length": 10})");
  const MetricsReport r = evaluate_predictions(file, {});
  EXPECT_FALSE(r.buckets[1].second.score.has_value());
  EXPECT_TRUE(metrics_json(r)["buckets"]["4-8k"]["score"].is_null());
  EXPECT_TRUE(contains(metrics_table(r), "4-8k      - (0 samples)"));
}

TEST(EvalMetrics, FirstLineOnlyForFewShotTasks) {
  TempDir dir;
  const auto file =
      dir.write("p.jsonl", R"({"pred": "\nParis\nQuestion: next", "answers": ["Paris"]})");
  MetricsOptions options;
  options.metric = Metric::kExact;
  EXPECT_EQ(*evaluate_predictions(file, options).overall.score, 0.0);
  options.first_line = true;
  EXPECT_EQ(*evaluate_predictions(file, options).overall.score, 100.0);
}

TEST(EvalMetrics, ClassificationReadsTheLabels) {
  TempDir dir;
  const auto file = dir.write(
      "p.jsonl",
      R"({"pred": "Entity", "answers": ["Entity"], "all_classes": ["Entity", "Location"]})");
  MetricsOptions options;
  options.metric = Metric::kClassification;
  EXPECT_EQ(*evaluate_predictions(file, options).overall.score, 100.0);
  const auto bare = dir.write("q.jsonl", R"({"pred": "Entity", "answers": ["Entity"]})");
  EXPECT_TRUE(contains(error_of([&] { evaluate_predictions(bare, options); }),
                       "q.jsonl:1: field \"all_classes\" is missing"));
}

TEST(EvalMetrics, ErrorsNameFileLineAndField) {
  TempDir dir;
  const auto bad_json = dir.write("a.jsonl", "{\"pred\": \"x\", \"answers\": [\"x\"]}\n{oops\n");
  EXPECT_TRUE(contains(error_of([&] { evaluate_predictions(bad_json, {}); }), "a.jsonl:2:"));
  const auto no_pred = dir.write("b.jsonl", R"({"answers": ["x"]})");
  EXPECT_TRUE(contains(error_of([&] { evaluate_predictions(no_pred, {}); }),
                       "b.jsonl:1: field \"pred\" is missing"));
  const auto bad_answers = dir.write("c.jsonl", R"({"pred": "x", "answers": [1]})");
  EXPECT_TRUE(contains(error_of([&] { evaluate_predictions(bad_answers, {}); }),
                       "c.jsonl:1: field \"answers\" must be a string or an array of strings"));
  const auto some_lengths = dir.write("d.jsonl", R"({"pred": "x", "answers": ["x"], "length": 5}
{"pred": "x", "answers": ["x"]})");
  EXPECT_TRUE(contains(error_of([&] { evaluate_predictions(some_lengths, {}); }),
                       "d.jsonl:2: field \"length\" is missing"));
  MetricsOptions retrieval;
  retrieval.metric = Metric::kRetrieval;
  const auto no_paragraph = dir.write("e.jsonl", R"({"pred": "1", "answers": ["one"]})");
  EXPECT_TRUE(contains(error_of([&] { evaluate_predictions(no_paragraph, retrieval); }),
                       "e.jsonl:1: retrieval:"));
  const auto empty = dir.write("f.jsonl", "\n");
  EXPECT_TRUE(contains(error_of([&] { evaluate_predictions(empty, {}); }), "no predictions"));
}

TEST(EvalMetrics, MetricNames) {
  for (const std::string& name : metric_names()) {
    EXPECT_EQ(metric_name(metric_from_name(name)), name);
  }
  EXPECT_THROW(metric_from_name("bleu"), UsageError);
}

}  // namespace
}  // namespace longalign::eval
