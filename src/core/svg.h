// A tiny SVG writer: shapes and text on a canvas, plus bar and line charts built from them. Enough
// for the histograms, heatmaps and loss curves in reports, without a plotting dependency.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace longalign {

// Escapes &, <, >, " for text and attribute values, of SVG and of HTML alike.
std::string markup_escape(std::string_view text);

class Svg {
 public:
  Svg(double width, double height);
  void rect(double x, double y, double w, double h, std::string_view fill);
  // The same with a tooltip that viewers show on hover (a heatmap cell's value).
  void rect(double x, double y, double w, double h, std::string_view fill, std::string_view title);
  void line(double x1, double y1, double x2, double y2, std::string_view stroke = "#333");
  // An open, unfilled line through `points` (x, y).
  void polyline(const std::vector<std::pair<double, double>>& points, std::string_view stroke,
                double width);
  void circle(double x, double y, double r, std::string_view fill);
  // anchor: "start", "middle" or "end"; rotate: degrees about (x, y), e.g. -90 for a y label.
  void text(double x, double y, std::string_view content, std::string_view anchor = "start",
            double size = 12, double rotate = 0);
  // The finished document.
  std::string str() const;

 private:
  double width_, height_;
  std::string body_;
};

// A bar chart: one bar per label, y axis from 0 to the largest value with a few ticks.
struct BarChart {
  std::string title, x_label, y_label;
  std::vector<std::string> labels;  // under each bar; long runs are thinned to stay readable
  std::vector<double> values;
};

std::string bar_chart_svg(const BarChart& chart);

// One named curve of a line chart; x and y have the same length.
struct LineSeries {
  std::string name;
  std::vector<double> x, y;
};

// A line chart: one colored line per series, both axes fitted to the data with round ticks, and
// a legend naming the series.
struct LineChart {
  std::string title, x_label, y_label;
  std::vector<LineSeries> series;
};

std::string line_chart_svg(const LineChart& chart);

}  // namespace longalign
