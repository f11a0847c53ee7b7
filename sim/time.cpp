#include "sim/time.h"

#include <fmt/format.h>

namespace samsa::sim {

std::string format_duration(Duration d) {
  const std::int64_t ns = d.count();
  const char* sign = ns < 0 ? "-" : "";
  const std::uint64_t abs_ns = ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : ns;
  return fmt::format("{}{}.{:06}s", sign, abs_ns / 1'000'000'000, (abs_ns / 1000) % 1'000'000);
}

std::string format_time(SimTime t) { return format_duration(t.time_since_epoch()); }

}  // namespace samsa::sim
