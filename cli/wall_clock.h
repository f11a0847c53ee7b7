// The tool's own wall clock: how long runs take for the user (wall_ms, seeds/s, ETA, the
// --time budget). Never handed to a simulation — a run reads only its virtual clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace samsa::cli {

using WallClock = std::chrono::steady_clock;

inline std::int64_t ms_since(WallClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(WallClock::now() - start).count();
}

}  // namespace samsa::cli
