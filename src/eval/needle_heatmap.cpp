#include "eval/needle_heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/svg.h"

namespace longalign::eval {

namespace {

struct Rgb {
  double r, g, b;
};

constexpr Rgb kRed{0xd7, 0x30, 0x27}, kYellow{0xfe, 0xe0, 0x8b}, kGreen{0x1a, 0x98, 0x50};

Rgb mix(const Rgb& a, const Rgb& b, double t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

std::string format(const char* pattern, double value) {
  char text[32];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

// Sizes in pixels: cells shrink with the grid so a 20 x 20 grid still fits a page.
struct Layout {
  static constexpr double kLeft = 90, kTop = 50, kBottom = 60, kLegend = 110;
  double cell_w, cell_h;
  double width(size_t columns) const { return kLeft + cell_w * double(columns) + kLegend; }
  double height(size_t rows) const { return kTop + cell_h * double(rows) + kBottom; }
};

void draw_cells(Svg& svg, const GridScores& s, const Layout& l) {
  for (size_t i = 0; i < s.grid.depths.size(); ++i) {
    for (size_t j = 0; j < s.grid.lengths.size(); ++j) {
      const std::optional<double>& score = s.scores[i][j];
      const std::string where = length_label(s.grid.lengths[j]) + " tokens, depth " +
                                format("%.0f%%", s.grid.depths[i]) + ": ";
      svg.rect(Layout::kLeft + l.cell_w * double(j), Layout::kTop + l.cell_h * double(i), l.cell_w,
               l.cell_h, score ? score_color(*score) : kMissingCellColor,
               where + (score ? format("%.2f", *score) : "no result"));
    }
  }
}

void draw_axes(Svg& svg, const GridScores& s, const Layout& l) {
  const double bottom = Layout::kTop + l.cell_h * double(s.grid.depths.size());
  for (size_t j = 0; j < s.grid.lengths.size(); ++j) {
    svg.text(Layout::kLeft + l.cell_w * (double(j) + 0.5), bottom + 16,
             length_label(s.grid.lengths[j]), "middle", 11);
  }
  for (size_t i = 0; i < s.grid.depths.size(); ++i) {
    svg.text(Layout::kLeft - 6, Layout::kTop + l.cell_h * (double(i) + 0.5) + 4,
             format("%.0f%%", s.grid.depths[i]), "end", 11);
  }
  svg.text(Layout::kLeft + l.cell_w * double(s.grid.lengths.size()) / 2, bottom + 40,
           "Context length (tokens)", "middle");
  svg.text(20, Layout::kTop + (bottom - Layout::kTop) / 2, "Needle depth (%)", "middle", 12, -90);
}

// A vertical bar from 1 (top) to 0 (bottom) beside the grid, in 20 steps.
void draw_scale(Svg& svg, const GridScores& s, const Layout& l) {
  constexpr int kSteps = 20;
  const double left = Layout::kLeft + l.cell_w * double(s.grid.lengths.size()) + 30;
  const double height = std::max(120.0, l.cell_h * double(s.grid.depths.size()));
  const double step = height / kSteps;
  for (int k = 0; k < kSteps; ++k) {
    const double score = 1 - (k + 0.5) / kSteps;
    svg.rect(left, Layout::kTop + step * k, 16, step + 0.5, score_color(score));
  }
  for (const double v : {1.0, 0.5, 0.0}) {
    svg.text(left + 22, Layout::kTop + height * (1 - v) + 4, format("%.1f", v), "start", 11);
  }
  svg.text(left + 8, Layout::kTop - 8, "score", "middle", 11);
}

}  // namespace

std::string score_color(double score) {
  const double s = std::clamp(std::isnan(score) ? 0.0 : score, 0.0, 1.0);
  const Rgb c = s < 0.5 ? mix(kRed, kYellow, s * 2) : mix(kYellow, kGreen, s * 2 - 1);
  char text[8];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", int(std::lround(c.r)), int(std::lround(c.g)),
                int(std::lround(c.b)));
  return text;
}

std::string length_label(int64_t tokens) {
  if (tokens < 1024) return std::to_string(tokens);
  if (tokens % 1024 == 0) return std::to_string(tokens / 1024) + "k";
  return format("%.1fk", double(tokens) / 1024);
}

std::string needle_heatmap_svg(const GridScores& s, const std::string& model) {
  const size_t columns = s.grid.lengths.size(), rows = s.grid.depths.size();
  const Layout l{std::clamp(720.0 / double(std::max<size_t>(columns, 1)), 28.0, 80.0),
                 std::clamp(440.0 / double(std::max<size_t>(rows, 1)), 18.0, 44.0)};
  const double height = std::max(l.height(rows), Layout::kTop + 120 + Layout::kBottom);
  Svg svg(std::max(l.width(columns), 420.0), height);
  const std::optional<double> mean = s.mean();
  svg.text(Layout::kLeft, 28,
           "Needle in a haystack: " + model + ", mean score " +
               (mean ? format("%.3f", *mean) : std::string("-")),
           "start", 15);
  draw_cells(svg, s, l);
  draw_axes(svg, s, l);
  draw_scale(svg, s, l);
  return svg.str();
}

}  // namespace longalign::eval
