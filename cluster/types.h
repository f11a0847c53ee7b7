// Kafka's quantities as strong types (STYLE.md rule 3): an Offset cannot be passed where
// a LeaderEpoch is expected, and neither mixes with a bare integer by accident. Values
// that need arithmetic (offsets, sequences) get exactly the operators Kafka's code uses:
// adding a count, subtracting two offsets for a distance, comparing.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

#include <fmt/format.h>

namespace samsa::cluster {

template <class Tag, class Rep>
class Quantity {
 public:
  using rep_type = Rep;
  constexpr Quantity() = default;
  constexpr explicit Quantity(Rep v) : v_(v) {}
  constexpr Rep value() const { return v_; }
  constexpr auto operator<=>(const Quantity&) const = default;

  constexpr Quantity operator+(Rep n) const { return Quantity(v_ + n); }
  constexpr Quantity operator-(Rep n) const { return Quantity(v_ - n); }
  constexpr Rep operator-(Quantity other) const { return v_ - other.v_; }
  constexpr Quantity& operator+=(Rep n) {
    v_ += n;
    return *this;
  }
  constexpr Quantity& operator++() {
    ++v_;
    return *this;
  }

 private:
  Rep v_ = 0;
};

struct OffsetTag {};
struct LeaderEpochTag {};
struct PartitionEpochTag {};
struct ProducerIdTag {};
struct ProducerEpochTag {};
struct SequenceTag {};
struct BrokerIdTag {};
struct PartitionIndexTag {};
struct BrokerEpochTag {};

using Offset = Quantity<OffsetTag, std::int64_t>;
using LeaderEpoch = Quantity<LeaderEpochTag, std::int32_t>;
using PartitionEpoch = Quantity<PartitionEpochTag, std::int32_t>;
using ProducerId = Quantity<ProducerIdTag, std::int64_t>;
using ProducerEpoch = Quantity<ProducerEpochTag, std::int16_t>;
using Sequence = Quantity<SequenceTag, std::int32_t>;
using BrokerId = Quantity<BrokerIdTag, std::int32_t>;
using PartitionIndex = Quantity<PartitionIndexTag, std::int32_t>;
using BrokerEpoch = Quantity<BrokerEpochTag, std::int64_t>;

// Kafka's sentinels.
inline constexpr LeaderEpoch kNoLeaderEpoch{-1};
inline constexpr ProducerId kNoProducerId{-1};
inline constexpr ProducerEpoch kNoProducerEpoch{-1};
inline constexpr Sequence kNoSequence{-1};
inline constexpr Offset kNoOffset{-1};

}  // namespace samsa::cluster

template <class Tag, class Rep>
struct std::hash<samsa::cluster::Quantity<Tag, Rep>> {
  std::size_t operator()(const samsa::cluster::Quantity<Tag, Rep>& q) const noexcept {
    return std::hash<Rep>{}(q.value());
  }
};

template <class Tag, class Rep>
struct fmt::formatter<samsa::cluster::Quantity<Tag, Rep>> : fmt::formatter<Rep> {
  template <class Ctx>
  auto format(const samsa::cluster::Quantity<Tag, Rep>& q, Ctx& ctx) const {
    return fmt::formatter<Rep>::format(q.value(), ctx);
  }
};
