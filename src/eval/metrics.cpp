#include "eval/metrics.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace longalign::eval {

namespace {

// LongBench-E's length buckets, by the context length in the record.
constexpr double kBucketBounds[] = {4000, 8000};
constexpr const char* kBucketNames[] = {"0-4k", "4-8k", "8k+"};

size_t bucket_of(double length) {
  size_t b = 0;
  while (b < std::size(kBucketBounds) && length >= kBucketBounds[b]) ++b;
  return b;
}

std::string first_line(const std::string& s) {
  const size_t start = std::min(s.find_first_not_of('\n'), s.size());
  return s.substr(start, s.find('\n', start) - start);
}

// Running sum of scores, turned into a mean x 100 at the end.
struct Accumulator {
  size_t count = 0;
  double sum = 0;
  void add(double score) {
    ++count;
    sum += score;
  }
  ScoreSummary summary() const {
    ScoreSummary s{count, std::nullopt};
    if (count > 0) s.score = 100.0 * sum / static_cast<double>(count);
    return s;
  }
};

double score_record(const PredictionRecord& r, const MetricsOptions& options,
                    const std::string& where) {
  const std::string prediction = options.first_line ? first_line(r.prediction) : r.prediction;
  try {
    return score_prediction(options.metric, prediction, r.answers, r.classes);
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
}

Json rounded(const std::optional<double>& score) {
  if (!score) return nullptr;
  return std::round(*score * 100.0) / 100.0;
}

std::string formatted(const std::optional<double>& score) {
  if (!score) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", *score);
  return buffer;
}

}  // namespace

MetricsReport evaluate_predictions(const std::filesystem::path& file,
                                   const MetricsOptions& options) {
  PredictionFields fields = options.fields;
  fields.need_classes = options.metric == Metric::kClassification;
  const std::vector<PredictionRecord> records = read_predictions(file, fields);
  if (records.empty()) throw Error(file.string() + ": no predictions");

  const bool with_lengths = records.front().length.has_value();
  Accumulator overall;
  std::vector<Accumulator> buckets(with_lengths ? std::size(kBucketNames) : 0);
  for (const PredictionRecord& r : records) {
    const std::string where = file.string() + ":" + std::to_string(r.line);
    const double score = score_record(r, options, where);
    overall.add(score);
    if (!with_lengths) continue;
    if (!r.length) {
      throw Error(where + ": field \"" + fields.length +
                  "\" is missing (the first record has one, so every record needs one)");
    }
    buckets[bucket_of(*r.length)].add(score);
  }

  MetricsReport report;
  report.file = file.string();
  report.metric = options.metric;
  report.overall = overall.summary();
  for (size_t b = 0; b < buckets.size(); ++b) {
    report.buckets.emplace_back(kBucketNames[b], buckets[b].summary());
  }
  return report;
}

std::string metrics_table(const MetricsReport& report) {
  std::string out;
  const auto row = [&out](const std::string& name, const std::string& value) {
    out += name + std::string(name.size() < 10 ? 10 - name.size() : 1, ' ') + value + "\n";
  };
  row("file", report.file);
  row("metric", std::string(metric_name(report.metric)));
  row("samples", std::to_string(report.overall.count));
  row("score", formatted(report.overall.score));
  for (const auto& [name, s] : report.buckets) {
    row(name, formatted(s.score) + " (" + std::to_string(s.count) + " samples)");
  }
  return out;
}

Json metrics_json(const MetricsReport& report) {
  Json j = {{"file", report.file},
            {"metric", std::string(metric_name(report.metric))},
            {"count", report.overall.count},
            {"score", rounded(report.overall.score)}};
  if (!report.buckets.empty()) {
    Json buckets = Json::object();
    for (const auto& [name, s] : report.buckets) {
      buckets[name] = {{"count", s.count}, {"score", rounded(s.score)}};
    }
    j["buckets"] = std::move(buckets);
  }
  return j;
}

}  // namespace longalign::eval
