// The SVG chart module: well-formed XML whatever the text in it, round tick values, a
// legend entry per series or kind, a lane per node, "no data" when there is none, and the
// same bytes for the same input.
#include "reports/svg_chart.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/reports/xml_testing.h"

namespace samsa::reports {
namespace {

using testing::count;
using testing::well_formed;

LineChart throughput() {
  LineChart chart;
  chart.title = "Throughput <acks=all> & more";
  chart.x_label = "simulated time (s)";
  chart.y_label = "records / s";
  chart.series = {{"produced", {{0, 0}, {1, 40}, {2, 55}, {3, 50}}},
                  {"consumed", {{0, 0}, {1, 30}, {2, 60}, {3, 52}}}};
  return chart;
}

void expect_ticks(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-9) << i;
}

TEST(NiceTicks, AreRoundValuesCoveringTheRange) {
  expect_ticks(nice_ticks(0, 100), {0, 20, 40, 60, 80, 100});
  expect_ticks(nice_ticks(0, 1, 5), {0, 0.2, 0.4, 0.6, 0.8, 1});
  expect_ticks(nice_ticks(3, 3), {3});
  expect_ticks(nice_ticks(-10, 10, 4), {-10, -5, 0, 5, 10});
  expect_ticks(nice_ticks(1.5, 9.5, 4), {2, 4, 6, 8});
}

TEST(XmlEscape, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(xml_escape(R"(a<b>&"c'd)"), "a&lt;b&gt;&amp;&quot;c&#39;d");
}

TEST(LineChart, IsWellFormedWithItsAxesLegendAndOneLinePerSeries) {
  const std::string svg = render_line_chart(throughput());
  std::string why;
  EXPECT_TRUE(well_formed(svg, &why)) << why;
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_EQ(count(svg, "<polyline"), 2u);
  EXPECT_NE(svg.find(">produced</text>"), std::string::npos);
  EXPECT_NE(svg.find(">consumed</text>"), std::string::npos);
  EXPECT_NE(svg.find(">simulated time (s)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">records / s</text>"), std::string::npos);
  EXPECT_NE(svg.find("Throughput &lt;acks=all&gt; &amp; more"), std::string::npos);
  EXPECT_NE(svg.find(">60</text>"), std::string::npos);  // a y tick
  EXPECT_EQ(svg.find("no data"), std::string::npos);
}

TEST(LineChart, WithoutPointsSaysNoData) {
  LineChart chart = throughput();
  chart.series = {{"produced", {}}};
  const std::string svg = render_line_chart(chart);
  std::string why;
  EXPECT_TRUE(well_formed(svg, &why)) << why;
  EXPECT_NE(svg.find("no data"), std::string::npos);
  EXPECT_EQ(count(svg, "<polyline"), 0u);
}

TEST(LineChart, IsTheSameBytesForTheSameInput) {
  EXPECT_EQ(render_line_chart(throughput()), render_line_chart(throughput()));
}

Timeline cluster_timeline(int nodes, int partitions) {
  Timeline t;
  t.title = "Faults and leadership";
  t.x_label = "simulated time (s)";
  t.x_min = 0;
  t.x_max = 20;
  for (int n = 0; n < nodes; ++n) {
    t.lanes.push_back({"broker-" + std::to_string(n + 1),
                       {{2.0 + n, 4.0 + n, "crash", ""}, {10, 12, "pause", "GC"}}});
  }
  for (int p = 0; p < partitions; ++p) {
    t.lanes.push_back(
        {"events-" + std::to_string(p),
         {{0, 9, "leader broker-1", "epoch 1"}, {9, 20, "leader broker-2", "epoch 2"}}});
  }
  t.markers = {{15, "safety ends"}};
  return t;
}

// The points attribute of the only polyline of `svg`.
std::string polyline_points(const std::string& svg) {
  const std::size_t at = svg.find("points=\"") + 8;
  return svg.substr(at, svg.find('"', at) - at);
}

TEST(LineChart, AsStepsHoldsEachValueUntilTheNextPoint) {
  LineChart chart;
  chart.y_label = "replicas in the ISR";
  chart.series = {{"smallest", {{0, 3}, {10, 2}, {20, 3}}}};
  const std::string slopes = polyline_points(render_line_chart(chart));
  chart.steps = true;
  const std::string steps = polyline_points(render_line_chart(chart));
  const auto pairs = [](const std::string& points) { return count(points, ","); };
  EXPECT_EQ(pairs(slopes), 3u);
  EXPECT_EQ(pairs(steps), 5u);  // a corner before each later point
  // The corner before the second point is at its x and the first point's y.
  const auto coordinates = [](const std::string& points, std::size_t i) {
    std::size_t at = 0;
    for (std::size_t k = 0; k < i; ++k) at = points.find(' ', at) + 1;
    return points.substr(at, points.find(' ', at) - at);
  };
  const std::string first = coordinates(steps, 0), corner = coordinates(steps, 1),
                    second = coordinates(steps, 2);
  EXPECT_EQ(corner.substr(0, corner.find(',')), second.substr(0, second.find(',')));
  EXPECT_EQ(corner.substr(corner.find(',')), first.substr(first.find(',')));
}

TEST(Timeline, HasALanePerNodeAndALegendEntryPerKind) {
  const std::string svg = render_timeline(cluster_timeline(3, 2));
  std::string why;
  EXPECT_TRUE(well_formed(svg, &why)) << why;
  for (const char* lane : {">broker-1</text>", ">broker-3</text>", ">events-1</text>"})
    EXPECT_NE(svg.find(lane), std::string::npos) << lane;
  for (const char* kind : {">crash</text>", ">pause</text>", ">leader broker-2</text>"})
    EXPECT_EQ(count(svg, kind), 1u) << kind;  // once, in the legend
  EXPECT_NE(svg.find("<title>leader broker-2: epoch 2</title>"), std::string::npos);
  EXPECT_NE(svg.find(">safety ends</text>"), std::string::npos);
}

TEST(Timeline, GrowsALaneAtATimeSoTenNodesAndFiftyPartitionsStayReadable) {
  const std::string small = render_timeline(cluster_timeline(3, 2));
  const std::string large = render_timeline(cluster_timeline(10, 50));
  std::string why;
  EXPECT_TRUE(well_formed(large, &why)) << why;
  const auto height = [](const std::string& svg) {
    const std::size_t at = svg.find("height=\"") + 8;
    return std::stoi(svg.substr(at, svg.find('"', at) - at));
  };
  EXPECT_EQ(height(large) - height(small), (60 - 5) * 18);  // lane_height per extra lane
  EXPECT_EQ(count(large, ">broker-10</text>"), 1u);
  EXPECT_EQ(count(large, ">events-49</text>"), 1u);
}

// A lane name longer than the default label column (the offsets topic's partitions) moves
// the plot right rather than running off the left edge.
TEST(Timeline, MakesRoomForTheLongestLaneName) {
  Timeline timeline = cluster_timeline(3, 2);
  const auto label_x = [](const std::string& svg, const std::string& name) {
    const std::size_t at = svg.rfind("<text x=\"", svg.find(">" + name + "</text>")) + 9;
    return std::stod(svg.substr(at, svg.find('"', at) - at));
  };
  const double short_x = label_x(render_timeline(timeline), "broker-1");
  timeline.lanes.push_back({"__consumer_offsets-49", {}});
  const std::string svg = render_timeline(timeline);
  const double long_x = label_x(svg, "__consumer_offsets-49");
  EXPECT_EQ(long_x, label_x(svg, "broker-1"));  // one right-aligned column
  EXPECT_GT(long_x, short_x);
  EXPECT_GE(long_x, 7.0 * 21);  // about 7 px per character
}

}  // namespace
}  // namespace samsa::reports

namespace samsa::reports {
namespace {

TEST(BarChart, IsWellFormedWithABarPerSeriesAndCategoryAndALegend) {
  BarChart chart;
  chart.title = "Fault kinds";
  chart.y_label = "share of seeds (%)";
  chart.categories = {"crash", "isolate", "power-loss"};
  chart.series = {{"failing seeds", {{0, 100}, {1, 50}, {2, 0}}},
                  {"passing seeds", {{0, 40}, {1, 60}, {2, 10}}}};
  const std::string svg = render_bar_chart(chart);
  std::string why;
  EXPECT_TRUE(testing::well_formed(svg, &why)) << why;
  EXPECT_EQ(testing::count(svg, "<rect x="), 6u + 2u);  // six bars, two legend swatches
  EXPECT_NE(svg.find(">power-loss</text>"), std::string::npos);
  EXPECT_NE(svg.find(">failing seeds</text>"), std::string::npos);
  EXPECT_NE(svg.find(">share of seeds (%)</text>"), std::string::npos);
}

}  // namespace
}  // namespace samsa::reports
