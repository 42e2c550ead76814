// The picture of a needle test: context length across, needle depth down (0% at the top), each
// cell coloured by its score from red (0) through yellow to green (1).
#pragma once

#include <string>

#include "eval/needle_grid.h"

namespace longalign::eval {

// "#rrggbb" for a score in [0, 1] (clamped): red #d73027 at 0, yellow #fee08b at 0.5, green
// #1a9850 at 1, linear in RGB between them.
std::string score_color(double score);

// The colour of a cell that has no result yet.
inline constexpr const char* kMissingCellColor = "#d9d9d9";

// The heatmap as an SVG document: one cell per grid point with its score as a tooltip, length
// and depth labels, a colour scale and a title naming `model` with the mean score.
std::string needle_heatmap_svg(const GridScores& scores, const std::string& model);

// "8k" for whole multiples of 1024, "1.5k" from 1024 up otherwise, the plain number below.
std::string length_label(int64_t tokens);

}  // namespace longalign::eval
