#include "train/loss_plot.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "core/error.h"
#include "core/file_io.h"
#include "core/json.h"
#include "core/svg.h"

namespace longalign::train {

namespace fs = std::filesystem;

namespace {

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// One line's object, or why it is not one. `row` is discarded when the text is not JSON at all,
// which is what a line cut short by a killed writer looks like.
struct ParsedLine {
  Json row;
  std::string error;
};

ParsedLine parse_line(std::string_view line) {
  ParsedLine parsed;
  try {
    parsed.row = Json::parse(line.begin(), line.end());
  } catch (const Json::exception& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 9" prefix:
    // the line is ours to name.
    std::string reason = e.what();
    if (const size_t colon = reason.find(": "); colon != std::string::npos) {
      reason = reason.substr(colon + 2);
    }
    parsed.row = Json(Json::value_t::discarded);
    parsed.error = "malformed JSON: " + reason;
    return parsed;
  }
  if (!parsed.row.is_object()) parsed.error = "expected a JSON object";
  return parsed;
}

// The number at `key`; nothing when the key is absent or null (a NaN is written as null).
std::optional<double> number_field(const Json& row, const std::string& key,
                                   const std::string& where) {
  const auto it = row.find(key);
  if (it == row.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) throw Error(where + ": field \"" + key + "\" must be a number");
  return it->get<double>();
}

// Builds one curve row by row, carrying the x position from one row to the next.
struct CurveBuilder {
  const std::string& metric;
  const std::string& x_field;
  MetricCurve curve;
  // Steps are positions, as written; tokens and seconds are per-step amounts whose running total
  // is the position, zero before the first step.
  std::optional<double> x;

  void add(const Json& row, const std::string& where) {
    if (const std::optional<double> value = number_field(row, x_field, where)) {
      x = x_field == "step" ? *value : *x + *value;
    }
    const std::optional<double> y = number_field(row, metric, where);
    if (!y) return;
    if (!x) {
      ++curve.rows_without_x;
      return;
    }
    curve.x.push_back(*x);
    curve.y.push_back(*y);
  }
};

std::string joined(const std::vector<fs::path>& files) {
  std::string out;
  for (const fs::path& f : files) out.append(out.empty() ? "" : ", ").append(f.string());
  return out;
}

// An error when no run has a point to draw; a warning for each run left out or drawn in part.
void check_curves(LossPlotReport& report, const std::vector<fs::path>& files,
                  const LossPlotOptions& options) {
  const std::string metric = "\"" + options.metric + "\"", x = "\"" + options.x_field + "\"";
  size_t points = 0;
  int64_t without_x = 0;
  for (const MetricCurve& c : report.curves) {
    points += c.y.size();
    without_x += c.rows_without_x;
  }
  if (points == 0 && without_x > 0) {
    throw Error("no row with " + metric + " has a " + x + " value, nor a row before it, in " +
                joined(files));
  }
  if (points == 0) throw Error("no row has a " + metric + " value in " + joined(files));
  for (size_t i = 0; i < files.size(); ++i) {
    const MetricCurve& c = report.curves[i];
    if (c.y.empty() && c.rows_without_x == 0) {
      report.warnings.push_back(files[i].string() + ": no " + metric + " values; not drawn");
    } else if (c.rows_without_x > 0) {
      report.warnings.push_back(files[i].string() + ": " + std::to_string(c.rows_without_x) +
                                " rows with " + metric + " but no " + x +
                                " before them; not drawn");
    }
  }
}

}  // namespace

MetricCurve read_metric_curve(const fs::path& file, const std::string& metric,
                              const std::string& x_field, std::vector<std::string>& warnings) {
  if (x_field != "step" && x_field != "tokens" && x_field != "seconds") {
    throw UsageError("the x axis must be step, tokens or seconds, not '" + x_field + "'");
  }
  const std::string text = read_file(file);
  CurveBuilder builder{metric, x_field, {}, std::nullopt};
  if (x_field != "step") builder.x = 0;
  builder.curve.label = run_label(file);
  size_t line_number = 0;
  for (size_t begin = 0; begin < text.size();) {
    const size_t newline = text.find('\n', begin);
    const bool complete = newline != std::string::npos;
    const size_t end = complete ? newline : text.size();
    const std::string_view line(text.data() + begin, end - begin);
    begin = end + 1;
    const std::string where = file.string() + ":" + std::to_string(++line_number);
    if (is_blank(line)) continue;
    const ParsedLine parsed = parse_line(line);
    if (!complete && parsed.row.is_discarded()) {
      warnings.push_back(where + ": skipped a truncated last line (a run killed while writing)");
      break;
    }
    if (!parsed.error.empty()) throw Error(where + ": " + parsed.error);
    builder.add(parsed.row, where);
  }
  return std::move(builder.curve);
}

std::string run_label(const fs::path& file) {
  if (file.filename() == "metrics.jsonl") {
    const fs::path folder = fs::absolute(file).lexically_normal().parent_path().filename();
    if (!folder.empty()) return folder.string();
  }
  return file.stem().string();
}

std::vector<double> moving_average(const std::vector<double>& values, int window) {
  const size_t w = static_cast<size_t>(std::max(window, 1));
  std::vector<double> out(values.size());
  double sum = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    sum += values[i];
    if (i >= w) sum -= values[i - w];
    out[i] = sum / static_cast<double>(std::min(i + 1, w));
  }
  return out;
}

std::string loss_plot_svg(const std::vector<MetricCurve>& curves, const LossPlotOptions& options) {
  LineChart chart;
  chart.title = options.metric + " by " + options.x_field;
  chart.x_label = options.x_field == "tokens"    ? "tokens trained on"
                  : options.x_field == "seconds" ? "seconds of training"
                                                 : options.x_field;
  chart.y_label = options.metric;
  if (options.smooth > 1) {
    chart.y_label += " (moving average of " + std::to_string(options.smooth) + ")";
  }
  for (const MetricCurve& c : curves) {
    if (c.y.empty()) continue;
    chart.series.push_back({c.label, c.x, moving_average(c.y, options.smooth)});
  }
  return line_chart_svg(chart);
}

LossPlotReport write_loss_plot(const std::vector<fs::path>& files,
                               const std::vector<std::string>& labels,
                               const LossPlotOptions& options, const fs::path& output) {
  if (files.empty()) throw UsageError("no metrics file to plot");
  if (!labels.empty() && labels.size() != files.size()) {
    throw UsageError(std::to_string(labels.size()) + " labels for " + std::to_string(files.size()) +
                     " metrics files; give one per file");
  }
  if (options.smooth < 1) {
    throw UsageError("the smoothing window must be at least 1 point, not " +
                     std::to_string(options.smooth));
  }
  LossPlotReport report;
  for (size_t i = 0; i < files.size(); ++i) {
    report.curves.push_back(
        read_metric_curve(files[i], options.metric, options.x_field, report.warnings));
    if (!labels.empty()) report.curves.back().label = labels[i];
  }
  check_curves(report, files, options);
  write_file_atomic(output, loss_plot_svg(report.curves, options));
  return report;
}

}  // namespace longalign::train
