#include "sim/buggify.h"

#include <gtest/gtest.h>

#include <vector>

namespace samsa::sim {
namespace {

std::vector<bool> visit(Buggify& b, int visits) {
  std::vector<bool> fired;
  for (int i = 0; i < visits; ++i) {
    for (int line = 1; line <= 20; ++line) fired.push_back(b.fire("cluster/log/segment.cpp", line));
  }
  return fired;
}

TEST(Buggify, IsAlwaysFalseWhenTheRunDoesNotEnableIt) {
  Buggify b(1, BuggifyConfig{});
  for (bool fired : visit(b, 100)) EXPECT_FALSE(fired);
  EXPECT_FALSE(SAMSA_BUGGIFY);  // no simulation on this thread
}

TEST(Buggify, TheSameSeedFiresTheSameSitesAtTheSameVisits) {
  BuggifyConfig config{true, 0.5, 0.2};
  Buggify a(7, config);
  Buggify b(7, config);
  EXPECT_EQ(visit(a, 50), visit(b, 50));
  EXPECT_GT(a.fired(), 0u);
}

TEST(Buggify, WhichSitesAreEnabledDoesNotDependOnTheOrderTheyAreReached) {
  BuggifyConfig config{true, 0.5, 0.0};
  Buggify forward(9, config);
  Buggify backward(9, config);
  for (int line = 1; line <= 40; ++line) forward.fire("x.cpp", line);
  for (int line = 40; line >= 1; --line) backward.fire("x.cpp", line);
  EXPECT_EQ(forward.sites(), backward.sites());
  int enabled = 0;
  for (const auto& [site, on] : forward.sites()) enabled += on ? 1 : 0;
  EXPECT_GT(enabled, 5);
  EXPECT_LT(enabled, 35);
}

TEST(Buggify, TheSiteIsKeyedByFileBaseNameSoCheckoutPathsDoNotMatter) {
  BuggifyConfig config{true, 0.5, 1.0};
  Buggify a(3, config);
  Buggify b(3, config);
  for (int line = 1; line <= 30; ++line) {
    EXPECT_EQ(a.fire("/home/a/samsa/cluster/x.cpp", line), b.fire("/tmp/ci/cluster/x.cpp", line));
  }
}

}  // namespace
}  // namespace samsa::sim
