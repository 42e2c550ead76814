// The grid of a needle-in-a-haystack test: the context lengths and needle depths it tries, read
// from range specs such as "1k..64k:10", and the scores it collected, cell by cell.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace longalign::eval {

// "A..B:N" gives N values evenly spaced from A to B inclusive (N = 1 gives A); "A,B,C" gives
// those values. A "k" suffix multiplies by 1024. Lengths are rounded to whole tokens, must be
// positive and distinct; depths are percentages in [0, 100]. Anything else is a UsageError that
// quotes the spec.
std::vector<int64_t> parse_length_spec(std::string_view spec);
std::vector<double> parse_depth_spec(std::string_view spec);

struct NeedleGrid {
  std::vector<int64_t> lengths;  // tokens, the heatmap's columns
  std::vector<double> depths;    // percent of the context, the heatmap's rows (0 at the top)
};

// The score of every cell, [depth][length]; empty where no result exists yet.
struct GridScores {
  NeedleGrid grid;
  std::vector<std::vector<std::optional<double>>> scores;

  explicit GridScores(NeedleGrid g);
  // The mean of the cells that have a score; none when no cell has one.
  std::optional<double> mean() const;
  std::optional<double> length_mean(size_t length_index) const;
};

// {"lengths", "depths", "scores": [[...] per depth], "mean", "length_means"}; null for a missing
// score or an empty mean.
Json grid_json(const GridScores& scores);

}  // namespace longalign::eval
