#include "core/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

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

}  // namespace

std::string svg_escape(std::string_view text) {
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
  // Appends piece by piece: GCC 12 warns (-Wrestrict, falsely) on "literal" + std::string chains.
  body_.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y));
  body_.append("\" width=\"").append(num(w)).append("\" height=\"").append(num(h));
  body_.append("\" fill=\"").append(svg_escape(fill)).append("\"/>\n");
}

void Svg::line(double x1, double y1, double x2, double y2, std::string_view stroke) {
  body_.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1));
  body_.append("\" x2=\"").append(num(x2)).append("\" y2=\"").append(num(y2));
  body_.append("\" stroke=\"").append(svg_escape(stroke)).append("\"/>\n");
}

void Svg::text(double x, double y, std::string_view content, std::string_view anchor, double size,
               double rotate) {
  body_.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y));
  body_.append("\" font-size=\"").append(num(size));
  body_.append("\" text-anchor=\"").append(svg_escape(anchor)).append("\"");
  if (rotate != 0) {
    body_.append(" transform=\"rotate(").append(num(rotate)).append(" ").append(num(x));
    body_.append(" ").append(num(y)).append(")\"");
  }
  body_.append(">").append(svg_escape(content)).append("</text>\n");
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

}  // namespace longalign
