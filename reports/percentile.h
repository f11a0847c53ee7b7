// Percentiles of a sorted sample, as every report states them: the value at index
// floor(p * (n - 1)) — p50 is the lower median, p99 of fewer than 101 values is the
// second largest or below, p = 1 is the maximum — and 0 for an empty sample.
#pragma once

#include <cstdint>
#include <vector>

namespace samsa::reports {

inline std::int64_t percentile_of_sorted(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

}  // namespace samsa::reports
