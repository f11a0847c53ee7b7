// Strong identifier types: a NodeId cannot be passed where a FiberId is expected, and
// neither converts silently to an integer. Ids are dense small integers handed out in
// creation order, so iterating by id is deterministic.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>

#include <fmt/format.h>

namespace samsa::sim {

template <class Tag, class Rep>
class StrongId {
 public:
  using rep_type = Rep;
  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep value) : value_(value) {}
  constexpr Rep value() const { return value_; }
  constexpr bool valid() const { return value_ != kInvalid; }
  constexpr auto operator<=>(const StrongId&) const = default;
  static constexpr StrongId invalid() { return StrongId{}; }

 private:
  static constexpr Rep kInvalid = std::numeric_limits<Rep>::max();
  Rep value_ = kInvalid;
};

struct NodeTag {};
struct FiberTag {};
using NodeId = StrongId<NodeTag, std::uint32_t>;
using FiberId = StrongId<FiberTag, std::uint64_t>;

}  // namespace samsa::sim

template <class Tag, class Rep>
struct std::hash<samsa::sim::StrongId<Tag, Rep>> {
  std::size_t operator()(const samsa::sim::StrongId<Tag, Rep>& id) const noexcept {
    return std::hash<Rep>{}(id.value());
  }
};

template <class Tag, class Rep>
struct fmt::formatter<samsa::sim::StrongId<Tag, Rep>> : fmt::formatter<Rep> {
  template <class Ctx>
  auto format(const samsa::sim::StrongId<Tag, Rep>& id, Ctx& ctx) const {
    return fmt::formatter<Rep>::format(id.value(), ctx);
  }
};
