// RapidCheck generators of well-formed metadata records, for the codec properties.
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "cluster/controller/metadata_records.h"

namespace samsa::cluster::controller::testing {

inline BrokerId gen_broker_id(int low = 0) {
  return BrokerId(*rc::gen::inRange(low, 1000));
}

inline std::vector<BrokerId> gen_broker_ids() {
  const auto count = *rc::gen::inRange<std::size_t>(0, 8);
  std::vector<BrokerId> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(gen_broker_id());
  return out;
}

inline TopicPartition gen_tp() {
  return TopicPartition{
      *rc::gen::nonEmpty(rc::gen::string<std::string>()),
      PartitionIndex(*rc::gen::inRange(0, std::numeric_limits<std::int32_t>::max()))};
}

template <class T>
std::optional<T> gen_optional(const T& value) {
  return *rc::gen::arbitrary<bool>() ? std::optional<T>(value) : std::nullopt;
}

inline LeaderEpoch gen_leader_epoch() {
  return LeaderEpoch(*rc::gen::inRange(0, std::numeric_limits<std::int32_t>::max()));
}
inline BrokerEpoch gen_broker_epoch() {
  return BrokerEpoch(*rc::gen::inRange<std::int64_t>(0, std::numeric_limits<std::int64_t>::max()));
}

// Any well-formed record (is_well_formed holds).
inline rc::Gen<MetadataRecord> gen_record() {
  return rc::gen::exec([]() -> MetadataRecord {
    switch (*rc::gen::inRange(0, 5)) {
      case 0:
        return RegisterBrokerRecord{gen_broker_id(),
                                    sim::NodeId(*rc::gen::arbitrary<std::uint32_t>()),
                                    gen_broker_epoch(), *rc::gen::arbitrary<std::uint64_t>()};
      case 1:
        return BrokerRegistrationChangeRecord{gen_broker_id(), gen_broker_epoch(),
                                              gen_optional(*rc::gen::arbitrary<bool>()),
                                              gen_optional(*rc::gen::arbitrary<bool>())};
      case 2:
        return TopicRecord{*rc::gen::nonEmpty(rc::gen::string<std::string>()),
                           *rc::gen::arbitrary<bool>()};
      case 3:
        return PartitionRecord{
            gen_tp(),
            gen_broker_ids(),
            gen_broker_ids(),
            gen_broker_id(-1),
            gen_leader_epoch(),
            PartitionEpoch(*rc::gen::inRange(0, std::numeric_limits<std::int32_t>::max()))};
      default:
        return PartitionChangeRecord{gen_tp(), gen_optional(gen_broker_ids()),
                                     gen_optional(gen_broker_id(-1))};
    }
  });
}

}  // namespace samsa::cluster::controller::testing
