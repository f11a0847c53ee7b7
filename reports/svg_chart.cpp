#include "reports/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace samsa::reports {

namespace {

// Tableau's ten categorical colours: distinct for colour-blind readers and in print.
constexpr std::string_view kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                         "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr int kFontPx = 11;
constexpr int kCharPx = 7;  // an estimate of one character's width at kFontPx
constexpr int kLegendRowPx = 16;
constexpr int kMaxTicks = 1000;  // bound on the tick loop, whatever the input

std::string_view colour(std::size_t index) {
  return kPalette[index % std::size(kPalette)];
}

// Coordinates with one decimal: enough for a screen, and the same text on every machine.
std::string px(double v) {
  return fmt::format("{:.1f}", v);
}

// A tick label: as many decimals as the step between ticks needs, never "-0".
std::string tick_label(double value, double step) {
  int decimals = 0;
  if (step > 0 && step < 1) decimals = static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  std::string text = fmt::format("{:.{}f}", value, std::clamp(decimals, 0, 6));
  if (text.starts_with('-') && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);
  return text;
}

// Legend items laid out left to right, wrapping at `width`; returns the rows it used.
int legend(std::string& out, const std::vector<std::string>& names, double left, double top,
           double width) {
  if (names.empty()) return 0;
  double x = left;
  int row = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double item = 22.0 + kCharPx * static_cast<double>(names[i].size()) + 14.0;
    if (x > left && x + item > left + width) {
      x = left;
      ++row;
    }
    const double y = top + row * kLegendRowPx;
    out += fmt::format(
        R"(<rect x="{}" y="{}" width="14" height="10" fill="{}"/><text x="{}" y="{}">{}</text>)",
        px(x), px(y), colour(i), px(x + 18), px(y + 9), xml_escape(names[i]));
    x += item;
  }
  return row + 1;
}

std::string svg_open(int width, int height, std::string_view title) {
  return fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{0}" height="{1}" )"
      R"(viewBox="0 0 {0} {1}" font-family="sans-serif" font-size="{2}" role="img">)"
      R"(<title>{3}</title><text x="8" y="18" font-size="13" font-weight="bold">{3}</text>)",
      width, height, kFontPx, xml_escape(title));
}

// Legend rows the names will need at `width` (to size the SVG before drawing).
int legend_rows(const std::vector<std::string>& names, double width) {
  std::string scratch;
  return legend(scratch, names, 0, 0, width);
}

// The plot's axes, a grid line with its label at each y tick, and the y axis title.
template <class ScaleY>
void y_axis(std::string& out, const std::vector<double>& ticks, ScaleY sy, double left, double top,
            double plot_w, double plot_h, std::string_view label) {
  out += fmt::format(R"(<path d="M{} {}V{}H{}" stroke="#888" fill="none"/>)", px(left), px(top),
                     px(top + plot_h), px(left + plot_w));
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
  for (const double t : ticks) {
    out += fmt::format(R"(<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" stroke="#e5e5e5"/>)"
                       R"(<text x="{3}" y="{4}" text-anchor="end">{5}</text>)",
                       px(left), px(left + plot_w), px(sy(t)), px(left - 4), px(sy(t) + 4),
                       tick_label(t, step));
  }
  out += fmt::format(
      R"svg(<text transform="translate(14 {}) rotate(-90)" text-anchor="middle">{}</text>)svg",
      px(top + plot_h / 2), xml_escape(label));
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
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
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<double> nice_ticks(double low, double high, int target) {
  if (!(high > low)) return {low};
  const double raw = (high - low) / std::max(1, target);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  const double first = std::ceil(low / step - 1e-9) * step;
  for (int i = 0; i < kMaxTicks; ++i) {
    const double t = first + i * step;
    if (t > high + step * 1e-9) break;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

std::string render_line_chart(const LineChart& chart) {
  constexpr double kLeft = 64, kRight = 16, kTop = 32, kAxisBottom = 40;
  std::vector<std::string> names;
  for (const Series& s : chart.series) names.push_back(s.name);
  const double plot_w = chart.width - kLeft - kRight;
  const int rows = legend_rows(names, plot_w);
  const double plot_h = chart.height - kTop - kAxisBottom;
  const int height = chart.height + rows * kLegendRowPx;
  std::string out = svg_open(chart.width, height, chart.title);

  bool any = false;
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;
  for (const Series& s : chart.series) {
    for (const auto& [x, y] : s.points) {
      x_min = any ? std::min(x_min, x) : x;
      x_max = any ? std::max(x_max, x) : x;
      y_min = std::min(y_min, y);
      y_max = any ? std::max(y_max, y) : std::max(0.0, y);
      any = true;
    }
  }
  if (x_max <= x_min) x_max = x_min + 1;
  if (y_max <= y_min) y_max = y_min + 1;
  const std::vector<double> y_ticks = nice_ticks(y_min, y_max);
  y_max = std::max(y_max, y_ticks.back());
  const auto sx = [&](double x) { return kLeft + (x - x_min) / (x_max - x_min) * plot_w; };
  const auto sy = [&](double y) { return kTop + plot_h - (y - y_min) / (y_max - y_min) * plot_h; };

  y_axis(out, y_ticks, sy, kLeft, kTop, plot_w, plot_h, chart.y_label);
  const std::vector<double> x_ticks = nice_ticks(x_min, x_max);
  const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1;
  for (const double t : x_ticks) {
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", px(sx(t)),
                       px(kTop + plot_h + 14), tick_label(t, x_step));
  }
  out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)",
                     px(kLeft + plot_w / 2), px(kTop + plot_h + 30), xml_escape(chart.x_label));

  if (!any) {
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle" fill="#888">no data</text>)",
                       px(kLeft + plot_w / 2), px(kTop + plot_h / 2));
  }
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    if (chart.series[i].points.empty()) continue;
    std::string points;
    const std::pair<double, double>* previous = nullptr;
    for (const auto& point : chart.series[i].points) {
      if (previous != nullptr) {
        points += ' ';
        if (chart.steps) points += px(sx(point.first)) + "," + px(sy(previous->second)) + ' ';
      }
      points += px(sx(point.first)) + "," + px(sy(point.second));
      previous = &point;
    }
    out += fmt::format(
        R"(<polyline fill="none" stroke="{}" stroke-width="1.5" points="{}"><title>{}</title></polyline>)",
        colour(i), points, xml_escape(chart.series[i].name));
  }
  legend(out, names, kLeft, chart.height - 4, plot_w);
  out += "</svg>";
  return out;
}

std::string render_bar_chart(const BarChart& chart) {
  constexpr double kLeft = 64, kRight = 16, kTop = 32, kAxisBottom = 40;
  std::vector<std::string> names;
  for (const Series& s : chart.series) names.push_back(s.name);
  const double plot_w = chart.width - kLeft - kRight;
  const double plot_h = chart.height - kTop - kAxisBottom;
  const int rows = legend_rows(names, plot_w);
  std::string out = svg_open(chart.width, chart.height + rows * kLegendRowPx, chart.title);
  double y_max = 0;
  for (const Series& s : chart.series) {
    for (const auto& point : s.points) y_max = std::max(y_max, point.second);
  }
  if (y_max <= 0) y_max = 1;
  const std::vector<double> ticks = nice_ticks(0, y_max, 5);
  y_max = std::max(y_max, ticks.back());
  const auto sy = [&](double y) { return kTop + plot_h - y / y_max * plot_h; };
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
  y_axis(out, ticks, sy, kLeft, kTop, plot_w, plot_h, chart.y_label);
  const double group_w =
      plot_w / static_cast<double>(std::max<std::size_t>(1, chart.categories.size()));
  const double bar_w =
      group_w * 0.8 / static_cast<double>(std::max<std::size_t>(1, chart.series.size()));
  for (std::size_t c = 0; c < chart.categories.size(); ++c) {
    const double group_x = kLeft + static_cast<double>(c) * group_w;
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)",
                       px(group_x + group_w / 2), px(kTop + plot_h + 14),
                       xml_escape(chart.categories[c]));
    for (std::size_t i = 0; i < chart.series.size(); ++i) {
      for (const auto& [category, value] : chart.series[i].points) {
        if (static_cast<std::size_t>(category) != c) continue;
        const double x = group_x + group_w * 0.1 + static_cast<double>(i) * bar_w;
        out += fmt::format(
            R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>)",
            px(x), px(sy(value)), px(bar_w), px(kTop + plot_h - sy(value)), colour(i),
            xml_escape(chart.series[i].name + ", " + chart.categories[c]),
            tick_label(value, step / 10));
      }
    }
  }
  legend(out, names, kLeft, chart.height - 4, plot_w);
  out += "</svg>";
  return out;
}

std::string render_timeline(const Timeline& timeline) {
  constexpr double kRight = 16, kTop = 40, kAxisBottom = 40;
  // The lane names sit right-aligned left of the plot: room for the longest.
  double label_w = 120;
  std::vector<std::string> kinds;
  for (const Lane& lane : timeline.lanes) {
    label_w = std::max(label_w, kCharPx * static_cast<double>(lane.name.size()) + 12);
    for (const Span& s : lane.spans) {
      if (std::find(kinds.begin(), kinds.end(), s.kind) == kinds.end()) kinds.push_back(s.kind);
    }
  }
  const double plot_w = timeline.width - label_w - kRight;
  const double lanes_h =
      static_cast<double>(std::max<std::size_t>(1, timeline.lanes.size())) * timeline.lane_height;
  const int rows = legend_rows(kinds, plot_w);
  const int height = static_cast<int>(kTop + lanes_h + kAxisBottom) + rows * kLegendRowPx + 4;
  std::string out = svg_open(timeline.width, height, timeline.title);
  const double x_min = timeline.x_min;
  const double x_max = timeline.x_max > x_min ? timeline.x_max : x_min + 1;
  const auto sx = [&](double x) {
    return label_w + (std::clamp(x, x_min, x_max) - x_min) / (x_max - x_min) * plot_w;
  };

  for (std::size_t l = 0; l < timeline.lanes.size(); ++l) {
    const Lane& lane = timeline.lanes[l];
    const double y = kTop + static_cast<double>(l) * timeline.lane_height;
    if (l % 2 == 1) {
      out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="#f5f5f5"/>)",
                         px(label_w), px(y), px(plot_w), timeline.lane_height);
    }
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", px(label_w - 6),
                       px(y + timeline.lane_height / 2.0 + 4), xml_escape(lane.name));
    for (const Span& s : lane.spans) {
      const std::size_t k =
          static_cast<std::size_t>(std::find(kinds.begin(), kinds.end(), s.kind) - kinds.begin());
      const double x0 = sx(s.from);
      const double w = std::max(1.5, sx(s.to) - x0);
      const std::string tip = s.label.empty() ? s.kind : s.kind + ": " + s.label;
      out += fmt::format(
          R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}" opacity="0.85"><title>{}</title></rect>)",
          px(x0), px(y + 2), px(w), timeline.lane_height - 4, colour(k), xml_escape(tip));
      if (!s.label.empty() && kCharPx * static_cast<double>(s.label.size()) + 4 < w) {
        out += fmt::format(R"(<text x="{}" y="{}" fill="#fff">{}</text>)", px(x0 + 2),
                           px(y + timeline.lane_height / 2.0 + 4), xml_escape(s.label));
      }
    }
  }
  const double axis_y = kTop + lanes_h;
  out += fmt::format(R"(<path d="M{} {}H{}" stroke="#888"/>)", px(label_w), px(axis_y),
                     px(label_w + plot_w));
  const std::vector<double> ticks = nice_ticks(x_min, x_max, 8);
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
  for (const double t : ticks) {
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", px(sx(t)),
                       px(axis_y + 14), tick_label(t, step));
  }
  out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)",
                     px(label_w + plot_w / 2), px(axis_y + 30), xml_escape(timeline.x_label));
  for (const Marker& m : timeline.markers) {
    out += fmt::format(
        R"(<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="#333" stroke-dasharray="3 3">)"
        R"(<title>{3}</title></line><text x="{0}" y="{4}" text-anchor="middle" font-size="9">{3}</text>)",
        px(sx(m.at)), px(kTop - 4), px(axis_y), xml_escape(m.label), px(kTop - 8));
  }
  legend(out, kinds, label_w, axis_y + kAxisBottom, plot_w);
  out += "</svg>";
  return out;
}

}  // namespace samsa::reports
