// A node's clocks. The wall clock is what the node believes the time of day is: virtual
// time plus an offset, running fast or slow by a drift (parts per million), and able to
// jump (NTP step, operator error). The monotonic clock drifts with the same oscillator
// but never jumps. Code under test reads timestamps from here; Kafka's time-based logic
// (retention, segment.ms, session timeouts measured by the node) therefore sees skew.
//
// Invariants: monotonic_now() never decreases; with drift d, both clocks advance
// (1 + d/1e6) nanoseconds per nanosecond of virtual time; a jump changes only the wall.
#pragma once

#include <cstdint>

#include "sim/time.h"

namespace samsa::sim {

class NodeClock {
 public:
  // Wall time as nanoseconds since the Unix epoch. Runs start at this instant
  // (2024-01-01T00:00:00Z) so timestamps look like timestamps.
  static constexpr std::int64_t kWallStartNs = 1'704'067'200'000'000'000;

  NodeClock() = default;

  // Wall-clock time in ns since the Unix epoch, at virtual time `now`.
  std::int64_t wall_ns(SimTime now) const {
    return wall_anchor_ns_ + scaled(now - anchor_);
  }
  std::int64_t wall_ms(SimTime now) const { return wall_ns(now) / 1'000'000; }
  // A monotonic reading, as a SimTime-like point (never jumps).
  SimTime monotonic(SimTime now) const { return mono_anchor_ + Duration{scaled(now - anchor_)}; }

  // Shifts the wall clock by `delta` (positive: forward). Monotonic time is unchanged.
  void jump(SimTime now, Duration delta);
  // Sets the offset of wall time from true time (virtual time + kWallStartNs).
  void set_offset(SimTime now, Duration offset);
  // Sets the drift in parts per million (positive: this node's clock runs fast).
  void set_drift_ppm(SimTime now, std::int64_t ppm);
  std::int64_t drift_ppm() const { return drift_ppm_; }
  // How far this node's wall clock is from true time right now.
  Duration offset(SimTime now) const {
    return Duration{wall_ns(now) - (kWallStartNs + now.time_since_epoch().count())};
  }
  // The virtual duration that passes while this node's monotonic clock advances by `d`.
  Duration to_virtual(Duration local) const;

 private:
  std::int64_t scaled(Duration elapsed) const {
    const std::int64_t ns = elapsed.count();
    return ns + ns / 1'000'000 * drift_ppm_ + (ns % 1'000'000) * drift_ppm_ / 1'000'000;
  }
  void reanchor(SimTime now);

  SimTime anchor_ = kSimStart;
  std::int64_t wall_anchor_ns_ = kWallStartNs;
  SimTime mono_anchor_ = kSimStart;
  std::int64_t drift_ppm_ = 0;
};

}  // namespace samsa::sim
