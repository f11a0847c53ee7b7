// Consumer partition assignors (Kafka's ConsumerPartitionAssignor): the group leader
// runs one over every member's subscription and hands each member its partitions.
// make_assignor() gives Kafka's four by their protocol names: "range", "roundrobin",
// "sticky" and "cooperative-sticky" (KIP-54, KIP-429). Invariants of every assign():
// each partition of a subscribed topic goes to exactly one member subscribed to its
// topic; members and partitions are visited in sorted order, so the result is a pure
// function of the input (no dependence on container order or addresses). A cooperative
// assignor never gives a member a partition that another member still owns in its
// subscription: such a partition is left out this round and assigned in the next
// (KIP-429's two-round revocation).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/group/consumer_protocol.h"

namespace samsa::cluster {

// EAGER: every member revokes everything before rejoining. COOPERATIVE (KIP-429): members
// keep what they own and revoke only what the assignment moves away.
enum class RebalanceProtocol : std::uint8_t { kEager, kCooperative };
std::string_view rebalance_protocol_name(RebalanceProtocol protocol);

struct MemberSubscription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Subscription subscription;
};

// member id -> its assignment; every member of the input has an entry (maybe empty).
using GroupAssignment = std::map<std::string, Assignment>;

class ConsumerPartitionAssignor {
 public:
  virtual ~ConsumerPartitionAssignor() = default;
  virtual std::string_view name() const = 0;
  // In order of preference; the group uses the first protocol every member supports.
  virtual std::vector<RebalanceProtocol> supported_protocols() const = 0;
  // `partitions_per_topic`: the partition count of every subscribed topic known to the
  // leader (topics missing from it are not assigned). The user data each member sends in
  // its subscription comes from subscription_user_data().
  virtual GroupAssignment assign(const std::map<std::string, std::int32_t>& partitions_per_topic,
                                 const std::vector<MemberSubscription>& members) const = 0;
  // What this member puts in its Subscription's user_data (e.g. the sticky assignor's
  // previous assignment for old clients); empty by default.
  virtual Bytes subscription_user_data(const std::vector<TopicPartition>& /*owned*/,
                                       std::int32_t /*generation*/) const {
    return {};
  }
};

// One of Kafka's built-in assignors by protocol name, or null for an unknown name.
std::unique_ptr<ConsumerPartitionAssignor> make_assignor(std::string_view name);
// The names make_assignor knows, for validation messages.
std::vector<std::string_view> assignor_names();

}  // namespace samsa::cluster
