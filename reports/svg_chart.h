// SVG charts for the self-contained HTML reports: a line chart (throughput, latency, ISR
// size over simulated time) and a timeline with one lane per node or partition (crashes,
// pauses, partitions, leadership with epochs). Each returns one <svg> element as text, with
// axes, tick labels, units in the axis titles and a legend, sized so that 10 nodes and 50
// partitions stay readable (a timeline grows one lane height per lane; a legend wraps).
//
// Invariants: 1. the output is well-formed XML: every text is escaped (xml_escape); 2. it is
// a pure function of its input (fixed number formatting, no locale, no clocks), so a report
// written twice from one run is byte for byte the same; 3. no script and no external
// reference: the SVG renders offline and prints.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace samsa::reports {

// &, <, >, " and ' as entities.
std::string xml_escape(std::string_view text);

// Tick positions for an axis over [low, high]: about `target` round values (1, 2 or 5 times a
// power of ten apart), from the first multiple at or above `low` to the last at or below
// `high`. A degenerate range [v, v] gives {v}.
std::vector<double> nice_ticks(double low, double high, int target = 6);

struct Series {
  std::string name;                               // in the legend
  std::vector<std::pair<double, double>> points;  // (x, y), in x order
};

struct LineChart {
  std::string title;
  std::string x_label;  // with its unit, e.g. "simulated time (s)"
  std::string y_label;  // e.g. "acknowledged records / s"
  std::vector<Series> series;
  int width = 720;
  int height = 280;
  // A step function: each value holds until the next point (an ISR size, a log start
  // offset), drawn as horizontal then vertical segments instead of slopes.
  bool steps = false;
};

// One <svg>: the axes with ticks from nice_ticks (y from 0 unless a value is negative), a
// polyline per series in its own colour, and the legend under the plot. Without any point
// the plot area says "no data".
std::string render_line_chart(const LineChart& chart);

// Grouped bars: for each category (a fault kind, an acks setting) one bar per series, side
// by side, in the series' colours; y from 0.
struct BarChart {
  std::string title;
  std::string y_label;
  std::vector<std::string> categories;
  std::vector<Series> series;  // points: (category index, value)
  int width = 720;
  int height = 280;
};

std::string render_bar_chart(const BarChart& chart);

// A span of a lane: [from, to) on the x axis, drawn as a bar; `kind` picks its colour from
// the legend (every distinct kind gets one entry, in order of first appearance) and
// `label` is written on the bar when it fits, and in the bar's tooltip (<title>) always.
struct Span {
  double from = 0;
  double to = 0;
  std::string kind;
  std::string label;
};

struct Lane {
  std::string name;  // left of the lane
  std::vector<Span> spans;
};

// An instant on the whole chart (a fault injected, the end of the safety phase).
struct Marker {
  double at = 0;
  std::string label;
};

struct Timeline {
  std::string title;
  std::string x_label;
  double x_min = 0;
  double x_max = 1;
  std::vector<Lane> lanes;
  std::vector<Marker> markers;
  int width = 960;
  int lane_height = 18;
};

std::string render_timeline(const Timeline& timeline);

}  // namespace samsa::reports
