#include "sim/clock.h"

#include "sim/assert.h"

namespace samsa::sim {

void NodeClock::reanchor(SimTime now) {
  wall_anchor_ns_ = wall_ns(now);
  mono_anchor_ = monotonic(now);
  anchor_ = now;
}

void NodeClock::jump(SimTime now, Duration delta) {
  reanchor(now);
  wall_anchor_ns_ += delta.count();
}

void NodeClock::set_offset(SimTime now, Duration offset) {
  reanchor(now);
  wall_anchor_ns_ = kWallStartNs + now.time_since_epoch().count() + offset.count();
}

void NodeClock::set_drift_ppm(SimTime now, std::int64_t ppm) {
  SAMSA_ASSERT(ppm > -1'000'000 && ppm < 1'000'000, "drift must stay within (-100%, +100%)");
  reanchor(now);
  drift_ppm_ = ppm;
}

Duration NodeClock::to_virtual(Duration local) const {
  // local = virtual * (1 + ppm/1e6)  =>  virtual = local * 1e6 / (1e6 + ppm), rounded up
  // so a node never wakes before its own clock says it should.
  __extension__ using i128 = __int128;
  const i128 num = static_cast<i128>(local.count()) * 1'000'000;
  const std::int64_t den = 1'000'000 + drift_ppm_;
  return Duration{static_cast<std::int64_t>((num + den - 1) / den)};
}

}  // namespace samsa::sim
