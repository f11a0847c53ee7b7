#include "sim/random.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace samsa::sim {
namespace {

TEST(Rng, TheGeneratorIsPinnedBitForBit) {
  // Golden values: any change to the generator or its seeding changes every run's
  // behaviour and every recorded seed's meaning, so it must be deliberate.
  // Reference values computed independently from the published xoshiro256** and
  // splitmix64 definitions.
  Rng rng(0);
  EXPECT_EQ(rng.next(), 0x99ec5f36cb75f2b4ULL);
  EXPECT_EQ(rng.next(), 0xbf6e1f784956452aULL);
  EXPECT_EQ(fnv1a64("samsa"), 0xb06e220d88429ff4ULL);
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
}

TEST(Rng, NamedStreamsAreIndependentOfEachOther) {
  Rng network = Rng::stream(42, "network");
  Rng disk = Rng::stream(42, "disk");
  Rng network_again = Rng::stream(42, "network");
  for (int i = 0; i < 1000; ++i) disk.next();  // draws from one stream...
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(network.next(), network_again.next());  // ...never shift another
  }
  EXPECT_NE(Rng::stream(42, "network").next(), Rng::stream(43, "network").next());
  EXPECT_NE(Rng::stream(42, "network").next(), Rng::stream(42, "disk").next());
}

RC_GTEST_PROP(Rng, UniformIntStaysWithinItsInclusiveBounds, (std::uint64_t seed, int a, int b)) {
  const std::int64_t low = std::min(a, b);
  const std::int64_t high = std::max(a, b);
  Rng rng(seed);
  for (int i = 0; i < 100; ++i) {
    const std::int64_t v = rng.uniform_int(low, high);
    RC_ASSERT(v >= low);
    RC_ASSERT(v <= high);
  }
}

RC_GTEST_PROP(Rng, BernoulliRateIsWithinFiveSigmaOfP, (std::uint64_t seed)) {
  const double p = *rc::gen::inRange(1, 99) / 100.0;
  Rng rng(seed);
  constexpr int kTrials = 20000;
  int hits = 0;
  for (int i = 0; i < kTrials; ++i) hits += rng.bernoulli(p) ? 1 : 0;
  const double sigma = std::sqrt(kTrials * p * (1 - p));
  RC_ASSERT(std::abs(hits - kTrials * p) < 5 * sigma);
}

TEST(Rng, BelowIsUniformOverASmallRange) {
  Rng rng(5);
  std::vector<int> counts(7, 0);
  constexpr int kTrials = 70000;
  for (int i = 0; i < kTrials; ++i) ++counts[rng.below(7)];
  for (int c : counts) EXPECT_NEAR(c, kTrials / 7, 5 * std::sqrt(kTrials / 7.0));
}

TEST(Rng, ExponentialHasTheRequestedMean) {
  Rng rng(6);
  double sum = 0;
  constexpr int kTrials = 100000;
  for (int i = 0; i < kTrials; ++i) sum += rng.exponential(3.0);
  EXPECT_NEAR(sum / kTrials, 3.0, 0.05);
}

TEST(Rng, ShuffleIsAPermutationAndPickChoosesAnElement) {
  Rng rng(8);
  std::vector<int> items(50);
  std::iota(items.begin(), items.end(), 0);
  std::vector<int> shuffled = items;
  rng.shuffle(std::span<int>(shuffled));
  EXPECT_NE(shuffled, items);
  std::vector<int> sorted = shuffled;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, items);
  const int picked = rng.pick(std::span<int>(items));
  EXPECT_GE(picked, 0);
  EXPECT_LT(picked, 50);
}

}  // namespace
}  // namespace samsa::sim
