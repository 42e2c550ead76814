#include "core/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>

namespace longalign {

namespace {

// Numbers in SVG attributes: short, locale-free.
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// A tick step of 1, 2 or 5 times a power of ten giving about `ticks` ticks up to `top`.
double tick_step(double top, int ticks) {
  const double raw = top / ticks;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0}) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

// Tick labels: from ten thousand up with a k, M or G suffix, so token counts stay short.
std::string tick_label(double v) {
  const double magnitude = std::abs(v);
  if (magnitude < 1e4) return num(v);
  const auto [scale, suffix] = magnitude >= 1e9   ? std::pair{1e9, "G"}
                               : magnitude >= 1e6 ? std::pair{1e6, "M"}
                                                  : std::pair{1e3, "k"};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g%s", v / scale, suffix);
  return buf;
}

// An axis fitted to [min, max]: ticks k * step for k in [first, last].
struct Axis {
  double step;
  long long first, last;
  double lo() const { return static_cast<double>(first) * step; }
  double hi() const { return static_cast<double>(last) * step; }
  double fraction(double v) const { return (v - lo()) / (hi() - lo()); }
};

Axis fit_axis(double min, double max) {
  if (!(max > min)) {  // a single value: a window around it, so it is not drawn on the frame
    const double pad = min != 0 ? std::abs(min) * 0.1 : 1;
    min -= pad;
    max += pad;
  }
  const double step = tick_step(max - min, 6);
  return {step, static_cast<long long>(std::floor(min / step)),
          static_cast<long long>(std::ceil(max / step))};
}

// The plotting area inside a chart's margins.
struct Frame {
  double left, top, width, height;
  double x(const Axis& axis, double v) const { return left + width * axis.fraction(v); }
  double y(const Axis& axis, double v) const { return top + height * (1 - axis.fraction(v)); }
};

void draw_axes(Svg& svg, const Frame& f, const Axis& x_axis, const Axis& y_axis) {
  for (long long k = y_axis.first; k <= y_axis.last; ++k) {
    const double v = static_cast<double>(k) * y_axis.step, y = f.y(y_axis, v);
    svg.line(f.left, y, f.left + f.width, y, "#e5e5e5");
    svg.line(f.left - 4, y, f.left, y);
    svg.text(f.left - 6, y + 4, tick_label(v), "end", 11);
  }
  for (long long k = x_axis.first; k <= x_axis.last; ++k) {
    const double v = static_cast<double>(k) * x_axis.step, x = f.x(x_axis, v);
    svg.line(x, f.top + f.height, x, f.top + f.height + 4);
    svg.text(x, f.top + f.height + 16, tick_label(v), "middle", 11);
  }
  svg.line(f.left, f.top, f.left, f.top + f.height);
  svg.line(f.left, f.top + f.height, f.left + f.width, f.top + f.height);
}

// Colors that stay distinct side by side (Tableau 10).
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string_view series_color(size_t i) {
  return kPalette[i % std::size(kPalette)];
}

// Top right, where falling loss curves leave room.
void draw_legend(Svg& svg, const Frame& f, const std::vector<LineSeries>& series) {
  size_t longest = 0;
  for (const LineSeries& s : series) longest = std::max(longest, s.name.size());
  const double row = 18, width = 40 + 7 * static_cast<double>(longest);
  const double left = f.left + f.width - width - 8, top = f.top + 8;
  svg.rect(left, top, width, row * static_cast<double>(series.size()) + 6, "white");
  for (size_t i = 0; i < series.size(); ++i) {
    const double y = top + row * (static_cast<double>(i) + 0.5) + 3;
    svg.rect(left + 6, y - 1.5, 22, 3, series_color(i));
    svg.text(left + 34, y + 4, series[i].name, "start", 12);
  }
}

// A rect element's opening up to its attributes' end, for the caller to close.
void append_rect_start(std::string& body, double x, double y, double w, double h,
                       std::string_view fill) {
  // Appends piece by piece: GCC 12 warns (-Wrestrict, falsely) on "literal" + std::string chains.
  body.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y));
  body.append("\" width=\"").append(num(w)).append("\" height=\"").append(num(h));
  body.append("\" fill=\"").append(markup_escape(fill)).append("\"");
}

}  // namespace

std::string markup_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Svg::Svg(double width, double height) : width_(width), height_(height) {}

void Svg::rect(double x, double y, double w, double h, std::string_view fill) {
  append_rect_start(body_, x, y, w, h, fill);
  body_.append("/>\n");
}

void Svg::rect(double x, double y, double w, double h, std::string_view fill,
               std::string_view title) {
  append_rect_start(body_, x, y, w, h, fill);
  body_.append("><title>").append(markup_escape(title)).append("</title></rect>\n");
}

void Svg::line(double x1, double y1, double x2, double y2, std::string_view stroke) {
  body_.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1));
  body_.append("\" x2=\"").append(num(x2)).append("\" y2=\"").append(num(y2));
  body_.append("\" stroke=\"").append(markup_escape(stroke)).append("\"/>\n");
}

void Svg::polyline(const std::vector<std::pair<double, double>>& points, std::string_view stroke,
                   double width) {
  body_.append("<polyline fill=\"none\" stroke=\"").append(markup_escape(stroke));
  body_.append("\" stroke-width=\"").append(num(width));
  body_.append("\" stroke-linejoin=\"round\" points=\"");
  for (size_t i = 0; i < points.size(); ++i) {
    if (i > 0) body_.append(" ");
    body_.append(num(points[i].first)).append(",").append(num(points[i].second));
  }
  body_.append("\"/>\n");
}

void Svg::circle(double x, double y, double r, std::string_view fill) {
  body_.append("<circle cx=\"").append(num(x)).append("\" cy=\"").append(num(y));
  body_.append("\" r=\"").append(num(r)).append("\" fill=\"").append(markup_escape(fill));
  body_.append("\"/>\n");
}

void Svg::text(double x, double y, std::string_view content, std::string_view anchor, double size,
               double rotate) {
  body_.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y));
  body_.append("\" font-size=\"").append(num(size));
  body_.append("\" text-anchor=\"").append(markup_escape(anchor)).append("\"");
  if (rotate != 0) {
    body_.append(" transform=\"rotate(").append(num(rotate)).append(" ").append(num(x));
    body_.append(" ").append(num(y)).append(")\"");
  }
  body_.append(">").append(markup_escape(content)).append("</text>\n");
}

std::string Svg::str() const {
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"";
  out.append(num(width_)).append("\" height=\"").append(num(height_));
  out.append("\" viewBox=\"0 0 ").append(num(width_)).append(" ").append(num(height_));
  out.append(
      "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
  return out.append(body_).append("</svg>\n");
}

std::string bar_chart_svg(const BarChart& chart) {
  constexpr double kWidth = 720, kHeight = 400, kLeft = 70, kRight = 20, kTop = 40, kBottom = 60;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  Svg svg(kWidth, kHeight);
  svg.text(kWidth / 2, 24, chart.title, "middle", 16);
  svg.text(kLeft + plot_w / 2, kHeight - 12, chart.x_label, "middle");
  svg.text(18, kTop + plot_h / 2, chart.y_label, "middle", 12, -90);

  double top = 0;
  for (const double v : chart.values) top = std::max(top, v);
  const double step = tick_step(top > 0 ? top : 1, 5);
  top = std::ceil((top > 0 ? top : 1) / step) * step;
  for (double t = 0; t <= top + step / 2; t += step) {
    const double y = kTop + plot_h * (1 - t / top);
    svg.line(kLeft - 4, y, kLeft, y);
    svg.text(kLeft - 6, y + 4, num(t), "end", 11);
  }
  svg.line(kLeft, kTop, kLeft, kTop + plot_h);
  svg.line(kLeft, kTop + plot_h, kLeft + plot_w, kTop + plot_h);

  const size_t n = chart.values.size();
  if (n == 0) return svg.str();
  const double slot = plot_w / static_cast<double>(n);
  // At most about 12 labels along the axis, whatever the number of bars.
  const size_t label_every = std::max<size_t>(1, (n + 11) / 12);
  for (size_t i = 0; i < n; ++i) {
    const double h = plot_h * chart.values[i] / top;
    const double x = kLeft + slot * static_cast<double>(i);
    svg.rect(x + slot * 0.1, kTop + plot_h - h, slot * 0.8, h, "#4878a8");
    if (i < chart.labels.size() && i % label_every == 0) {
      svg.text(x + slot / 2, kTop + plot_h + 16, chart.labels[i], "middle", 11);
    }
  }
  return svg.str();
}

std::string line_chart_svg(const LineChart& chart) {
  constexpr double kWidth = 800, kHeight = 450, kLeft = 80, kRight = 20, kTop = 40, kBottom = 60;
  const Frame frame{kLeft, kTop, kWidth - kLeft - kRight, kHeight - kTop - kBottom};
  Svg svg(kWidth, kHeight);
  svg.text(kWidth / 2, 24, chart.title, "middle", 16);
  svg.text(frame.left + frame.width / 2, kHeight - 12, chart.x_label, "middle");
  svg.text(18, frame.top + frame.height / 2, chart.y_label, "middle", 12, -90);

  constexpr double kInf = std::numeric_limits<double>::infinity();
  double x_min = kInf, x_max = -kInf, y_min = kInf, y_max = -kInf;
  for (const LineSeries& s : chart.series) {
    for (const double x : s.x) {
      x_min = std::min(x_min, x);
      x_max = std::max(x_max, x);
    }
    for (const double y : s.y) {
      y_min = std::min(y_min, y);
      y_max = std::max(y_max, y);
    }
  }
  if (x_min > x_max) x_min = x_max = y_min = y_max = 0;  // no points: an empty frame
  const Axis x_axis = fit_axis(x_min, x_max), y_axis = fit_axis(y_min, y_max);
  draw_axes(svg, frame, x_axis, y_axis);

  for (size_t i = 0; i < chart.series.size(); ++i) {
    const LineSeries& s = chart.series[i];
    std::vector<std::pair<double, double>> points;
    for (size_t p = 0; p < std::min(s.x.size(), s.y.size()); ++p) {
      points.emplace_back(frame.x(x_axis, s.x[p]), frame.y(y_axis, s.y[p]));
    }
    // A lone point makes a line of no length, which renderers skip.
    if (points.size() == 1) svg.circle(points[0].first, points[0].second, 3, series_color(i));
    svg.polyline(points, series_color(i), 1.5);
  }
  if (!chart.series.empty()) draw_legend(svg, frame, chart.series);
  return svg.str();
}

}  // namespace longalign
