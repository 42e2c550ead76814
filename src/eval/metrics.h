// Scores a predictions file under one metric, as LongBench's eval.py does: each sample's best
// score over its reference answers, averaged and scaled to 0-100, overall and (when the records
// carry a context length) in the 0-4k, 4-8k and 8k+ buckets of LongBench-E.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "eval/metric.h"
#include "eval/predictions.h"

namespace longalign::eval {

struct MetricsOptions {
  Metric metric = Metric::kQaF1;
  PredictionFields fields;
  // Score only the prediction's first line (leading newlines skipped), as LongBench does for its
  // few-shot tasks (trec, triviaqa, samsum, lsht), whose models run on past the answer.
  bool first_line = false;
};

struct ScoreSummary {
  size_t count = 0;
  std::optional<double> score;  // mean x 100; none for no samples
};

struct MetricsReport {
  std::string file;
  Metric metric = Metric::kQaF1;
  ScoreSummary overall;
  // "0-4k" (length < 4000), "4-8k" (< 8000), "8k+"; empty when the records have no length.
  std::vector<std::pair<std::string, ScoreSummary>> buckets;
};

// Throws Error naming the file and line for bad records, and when the file holds none. Lengths
// are used when the first record has one; every record must then have one.
MetricsReport evaluate_predictions(const std::filesystem::path& file,
                                   const MetricsOptions& options);

// Two columns of text, one row per figure; scores with two decimals as LongBench prints them.
std::string metrics_table(const MetricsReport& report);

// {"file", "metric", "count", "score", "buckets": {"0-4k": {"count", "score"}, ...}}, scores
// rounded to two decimals (null for an empty bucket); "buckets" only with lengths.
Json metrics_json(const MetricsReport& report);

}  // namespace longalign::eval
