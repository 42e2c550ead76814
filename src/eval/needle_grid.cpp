#include "eval/needle_grid.h"

#include <charconv>
#include <cmath>
#include <string>
#include <utility>

#include "core/error.h"

namespace longalign::eval {

namespace {

[[noreturn]] void bad_spec(std::string_view what, std::string_view spec, std::string_view why) {
  throw UsageError(std::string(what) + " \"" + std::string(spec) + "\": " + std::string(why) +
                   " (expected A..B:N or a comma list, e.g. 1k..64k:10 or 1k,4k,16k)");
}

// One number with an optional k (x 1024).
double parse_number(std::string_view text, std::string_view what, std::string_view spec) {
  double scale = 1;
  if (!text.empty() && (text.back() == 'k' || text.back() == 'K')) {
    scale = 1024;
    text.remove_suffix(1);
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    // Appended piece by piece: GCC 12 warns (-Wrestrict, falsely) on "literal" + std::string.
    std::string why = "\"";
    bad_spec(what, spec, why.append(text).append("\" is not a number"));
  }
  return value * scale;
}

std::vector<double> parse_values(std::string_view spec, std::string_view what) {
  const size_t dots = spec.find("..");
  if (dots == std::string_view::npos) {
    std::vector<double> values;
    for (size_t start = 0;;) {
      const size_t comma = spec.find(',', start);
      values.push_back(parse_number(spec.substr(start, comma - start), what, spec));
      if (comma == std::string_view::npos) return values;
      start = comma + 1;
    }
  }
  const size_t colon = spec.find(':', dots);
  if (colon == std::string_view::npos) bad_spec(what, spec, "a range needs :N");
  const double from = parse_number(spec.substr(0, dots), what, spec);
  const double to = parse_number(spec.substr(dots + 2, colon - dots - 2), what, spec);
  const double count = parse_number(spec.substr(colon + 1), what, spec);
  if (count < 1 || count != std::floor(count) || count > 10000) {
    bad_spec(what, spec, "N must be a whole number from 1 to 10000");
  }
  const auto n = static_cast<size_t>(count);
  std::vector<double> values(n, from);
  for (size_t i = 1; i < n; ++i) {
    values[i] = from + (to - from) * static_cast<double>(i) / static_cast<double>(n - 1);
  }
  return values;
}

std::optional<double> mean_of(const std::vector<std::optional<double>>& values) {
  double sum = 0;
  size_t count = 0;
  for (const auto& v : values) {
    if (!v) continue;
    sum += *v;
    ++count;
  }
  if (count == 0) return std::nullopt;
  return sum / static_cast<double>(count);
}

Json optional_json(const std::optional<double>& v) {
  return v ? Json(*v) : Json(nullptr);
}

}  // namespace

std::vector<int64_t> parse_length_spec(std::string_view spec) {
  std::vector<int64_t> lengths;
  for (const double v : parse_values(spec, "--lengths")) {
    const auto length = static_cast<int64_t>(std::llround(v));
    if (length < 1) bad_spec("--lengths", spec, "lengths must be positive");
    for (const int64_t seen : lengths) {
      if (seen == length) bad_spec("--lengths", spec, std::to_string(length) + " comes twice");
    }
    lengths.push_back(length);
  }
  return lengths;
}

std::vector<double> parse_depth_spec(std::string_view spec) {
  std::vector<double> depths = parse_values(spec, "--depths");
  for (const double d : depths) {
    if (d < 0 || d > 100) bad_spec("--depths", spec, "depths are percentages from 0 to 100");
  }
  return depths;
}

GridScores::GridScores(NeedleGrid g)
    : grid(std::move(g)),
      scores(grid.depths.size(), std::vector<std::optional<double>>(grid.lengths.size())) {}

std::optional<double> GridScores::mean() const {
  std::vector<std::optional<double>> all;
  for (const auto& row : scores) all.insert(all.end(), row.begin(), row.end());
  return mean_of(all);
}

std::optional<double> GridScores::length_mean(size_t length_index) const {
  std::vector<std::optional<double>> column;
  for (const auto& row : scores) column.push_back(row[length_index]);
  return mean_of(column);
}

Json grid_json(const GridScores& s) {
  Json rows = Json::array();
  for (const auto& row : s.scores) {
    Json cells = Json::array();
    for (const auto& v : row) cells.push_back(optional_json(v));
    rows.push_back(std::move(cells));
  }
  Json length_means = Json::array();
  for (size_t j = 0; j < s.grid.lengths.size(); ++j) {
    length_means.push_back(optional_json(s.length_mean(j)));
  }
  return {{"lengths", s.grid.lengths},
          {"depths", s.grid.depths},
          {"scores", std::move(rows)},
          {"mean", optional_json(s.mean())},
          {"length_means", std::move(length_means)}};
}

}  // namespace longalign::eval
