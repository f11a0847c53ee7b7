// Controller protocol messages: Kafka's kinds, a digest that changes with every field, a
// readable describe() line, and NOT_CONTROLLER answers with the leader hint.
#include "cluster/controller/controller_messages.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "tests/cluster/controller/controller_testing.h"

namespace samsa::cluster::controller::testing {
namespace {

// Each mutation of one field must move the digest away from the base and from the others.
template <class M>
void expect_every_field_digested(const M& base, const std::vector<std::function<void(M&)>>& edits) {
  std::set<std::uint64_t> seen{base.digest()};
  for (std::size_t i = 0; i < edits.size(); ++i) {
    M changed = base;
    edits[i](changed);
    EXPECT_TRUE(seen.insert(changed.digest()).second) << base.kind() << " edit " << i;
  }
}

TEST(ControllerMessages, BrokerRegistrationDigestsEveryField) {
  BrokerRegistrationRequest request;
  request.broker_id = kB1;
  request.node = sim::NodeId(4);
  request.incarnation = 9;
  expect_every_field_digested<BrokerRegistrationRequest>(
      request, {[](auto& m) { m.broker_id = kB2; }, [](auto& m) { m.node = sim::NodeId(5); },
                [](auto& m) { m.incarnation = 10; }});
  BrokerRegistrationResponse response;
  response.broker_epoch = BrokerEpoch(3);
  expect_every_field_digested<BrokerRegistrationResponse>(
      response, {[](auto& m) { m.error = ErrorCode::kNotController; },
                 [](auto& m) { m.broker_epoch = BrokerEpoch(4); },
                 [](auto& m) { m.leader_hint = sim::NodeId(0); }});
}

TEST(ControllerMessages, BrokerHeartbeatDigestsEveryField) {
  BrokerHeartbeatRequest request;
  request.broker_id = kB1;
  request.broker_epoch = BrokerEpoch(2);
  request.current_metadata_offset = 10;
  expect_every_field_digested<BrokerHeartbeatRequest>(
      request,
      {[](auto& m) { m.broker_id = kB2; }, [](auto& m) { m.broker_epoch = BrokerEpoch(3); },
       [](auto& m) { m.current_metadata_offset = 11; }, [](auto& m) { m.want_fence = true; },
       [](auto& m) { m.want_shutdown = true; }});
  BrokerHeartbeatResponse response;
  expect_every_field_digested<BrokerHeartbeatResponse>(
      response,
      {[](auto& m) { m.error = ErrorCode::kStaleBrokerEpoch; },
       [](auto& m) { m.is_caught_up = true; }, [](auto& m) { m.is_fenced = false; },
       [](auto& m) { m.should_shutdown = true; }, [](auto& m) { m.leader_hint = sim::NodeId(2); }});
}

TEST(ControllerMessages, CreateTopicsDigestsEveryField) {
  CreateTopicsRequest request;
  request.topics.push_back(CreatableTopic{"a", 3, 2, false});
  expect_every_field_digested<CreateTopicsRequest>(
      request,
      {[](auto& m) { m.topics[0].name.back() = 'b'; }, [](auto& m) { m.topics[0].num_partitions = 4; },
       [](auto& m) { m.topics[0].replication_factor = 3; },
       [](auto& m) { m.topics[0].unclean_leader_election_enable = true; },
       [](auto& m) { m.topics.push_back(m.topics[0]); }});
  CreateTopicsResponse response;
  response.topics.push_back(CreatableTopicResult{"a", ErrorCode::kNone});
  expect_every_field_digested<CreateTopicsResponse>(
      response,
      {[](auto& m) { m.topics[0].name.back() = 'b'; },
       [](auto& m) { m.topics[0].error = ErrorCode::kTopicAlreadyExists; },
       [](auto& m) { m.leader_hint = sim::NodeId(1); }, [](auto& m) { m.topics.clear(); }});
}

TEST(ControllerMessages, KindsFollowKafkasRequestNames) {
  EXPECT_EQ(BrokerRegistrationRequest{}.kind(), "BrokerRegistration");
  EXPECT_EQ(BrokerRegistrationResponse{}.kind(), "BrokerRegistrationResponse");
  EXPECT_EQ(BrokerHeartbeatRequest{}.kind(), "BrokerHeartbeat");
  EXPECT_EQ(BrokerHeartbeatResponse{}.kind(), "BrokerHeartbeatResponse");
  EXPECT_EQ(CreateTopicsRequest{}.kind(), "CreateTopics");
  EXPECT_EQ(CreateTopicsResponse{}.kind(), "CreateTopicsResponse");
}

TEST(ControllerMessages, NotControllerAnswersCarryTheLeaderHint) {
  const auto registration = BrokerRegistrationResponse::not_controller(sim::NodeId(2));
  EXPECT_EQ(registration.error, ErrorCode::kNotController);
  EXPECT_EQ(registration.leader_hint, sim::NodeId(2));
  const auto heartbeat = BrokerHeartbeatResponse::not_controller(std::nullopt);
  EXPECT_EQ(heartbeat.error, ErrorCode::kNotController);
  EXPECT_FALSE(heartbeat.leader_hint);
  CreateTopicsRequest request;
  request.topics.push_back(CreatableTopic{"a", 1, 1, false});
  request.topics.push_back(CreatableTopic{"b", 1, 1, false});
  const auto topics = CreateTopicsResponse::not_controller(request, sim::NodeId(1));
  ASSERT_EQ(topics.topics.size(), 2u);
  EXPECT_EQ(topics.topics[1].name, "b");
  EXPECT_EQ(topics.topics[1].error, ErrorCode::kNotController);
  EXPECT_EQ(topics.leader_hint, sim::NodeId(1));
  EXPECT_EQ(topics.describe(),
            "CreateTopicsResponse(a NOT_CONTROLLER, b NOT_CONTROLLER leader_hint=1)");
}

TEST(ControllerMessages, DescribeShowsTheFields) {
  BrokerHeartbeatRequest request;
  request.broker_id = kB3;
  request.broker_epoch = BrokerEpoch(7);
  request.current_metadata_offset = 42;
  request.want_shutdown = true;
  EXPECT_EQ(request.describe(),
            "BrokerHeartbeat(broker=3 epoch=7 offset=42 want_fence=false want_shutdown=true)");
  BrokerRegistrationResponse response;
  response.broker_epoch = BrokerEpoch(7);
  EXPECT_EQ(response.describe(), "BrokerRegistrationResponse(NONE broker_epoch=7)");
}

}  // namespace
}  // namespace samsa::cluster::controller::testing
