// Virtual time. SimTime is a point on the simulation's own clock (nanoseconds since the
// run began); Duration is std::chrono::nanoseconds, so `t + 5ms` reads as it should and
// a unit can never be dropped by accident. Nothing here reads a real clock: the kernel's
// run loop is the only thing that moves time forward.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace samsa::sim {

struct SimClock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<SimClock>;
  static constexpr bool is_steady = true;
};

using Duration = std::chrono::nanoseconds;
using SimTime = SimClock::time_point;

inline constexpr SimTime kSimStart{};
inline constexpr SimTime kSimTimeMax{Duration{INT64_MAX}};

using namespace std::chrono_literals;

// "12.345678s": seconds with microsecond precision, the form every log line and trace
// line uses.
std::string format_time(SimTime t);
std::string format_duration(Duration d);

inline std::int64_t to_ms(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace samsa::sim
