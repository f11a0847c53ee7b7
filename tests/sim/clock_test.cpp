#include "sim/clock.h"

#include <gtest/gtest.h>

namespace samsa::sim {
namespace {

TEST(NodeClock, WithoutFaultsWallTimeIsTheStartInstantPlusVirtualTime) {
  NodeClock clock;
  EXPECT_EQ(clock.wall_ns(kSimStart), NodeClock::kWallStartNs);
  EXPECT_EQ(clock.wall_ms(kSimStart + 1500ms), NodeClock::kWallStartNs / 1'000'000 + 1500);
  EXPECT_EQ(clock.monotonic(kSimStart + 2s), kSimStart + 2s);
}

TEST(NodeClock, AJumpMovesTheWallClockButNotTheMonotonicClock) {
  NodeClock clock;
  clock.jump(kSimStart + 1s, -30s);
  EXPECT_EQ(clock.wall_ns(kSimStart + 2s), NodeClock::kWallStartNs + Duration(2s - 30s).count());
  EXPECT_EQ(clock.monotonic(kSimStart + 2s), kSimStart + 2s);
  EXPECT_EQ(clock.offset(kSimStart + 5s), -30s);
}

TEST(NodeClock, DriftMakesBothClocksRunFastFromTheMomentItIsSet) {
  NodeClock clock;
  clock.set_drift_ppm(kSimStart + 10s, 1000);  // 0.1% fast
  EXPECT_EQ(clock.monotonic(kSimStart + 10s), kSimStart + 10s);
  EXPECT_EQ(clock.monotonic(kSimStart + 1010s), kSimStart + 10s + 1001s);
  EXPECT_EQ(clock.offset(kSimStart + 1010s), 1s);
}

TEST(NodeClock, ToVirtualInvertsDriftSoASleepingNodeNeverWakesEarlyByItsOwnClock) {
  NodeClock clock;
  clock.set_drift_ppm(kSimStart, -2500);  // slow
  const Duration local = 7s;
  const Duration virt = clock.to_virtual(local);
  EXPECT_GT(virt, local);
  EXPECT_GE(clock.monotonic(kSimStart + virt) - kSimStart, local);
  EXPECT_LT(clock.monotonic(kSimStart + virt - 1us) - kSimStart, local);
}

TEST(NodeClock, SetOffsetPlacesTheWallClockRelativeToTrueTime) {
  NodeClock clock;
  clock.set_drift_ppm(kSimStart, 200);
  clock.set_offset(kSimStart + 3s, 250ms);
  EXPECT_EQ(clock.offset(kSimStart + 3s), 250ms);
}

}  // namespace
}  // namespace samsa::sim
