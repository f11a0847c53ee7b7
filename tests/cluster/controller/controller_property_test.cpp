// Random histories of controller operations — registrations and restarts, heartbeats
// (caught up or behind, asking to be fenced or to shut down), session expiries,
// AlterPartitions (valid and stale), topic creations — with both controller bug switches
// off. After every operation: the working image passes validate(), no fenced broker
// leads, a follower replaying the records through the codec holds the same image, every
// partition that could have a leader has one, and broker epochs only grow. At the end a
// snapshot rebuilds the image.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <utility>

#include "cluster/controller/controller_logic.h"
#include "cluster/controller/metadata_replay.h"
#include "tests/cluster/controller/controller_testing.h"

namespace samsa::cluster::controller::testing {
namespace {

enum class OpKind {
  kStart,              // a new process of the broker registers (and comes back to life)
  kRetryRegistration,  // the same process registers again
  kHeartbeat,          // one broker heartbeats, possibly behind or asking to be fenced
  kHeartbeatRound,     // every live broker heartbeats, caught up
  kShutdown,           // the broker asks for a controlled shutdown (and stops once told)
  kCrash,              // the broker stops heartbeating
  kExpire,             // time passes, expired sessions are fenced
  kAlter,              // a leader proposes an ISR change
  kCreateTopic,
};
constexpr int kMaxBroker = 5;

struct Step {
  OpKind kind;
  int broker;  // 1..kMaxBroker
  int param;   // 0..99, meaning depends on the kind
};

std::ostream& operator<<(std::ostream& os, const Step& s) {
  return os << "{kind " << static_cast<int>(s.kind) << " broker " << s.broker << " param "
            << s.param << "}";
}

// Weighted so that histories build clusters, topics and shrunk ISRs before they break them.
OpKind op_kind(int percent) {
  constexpr std::pair<int, OpKind> kUpTo[] = {
      {10, OpKind::kStart},     {13, OpKind::kRetryRegistration},
      {25, OpKind::kHeartbeat}, {45, OpKind::kHeartbeatRound},
      {49, OpKind::kShutdown},  {55, OpKind::kCrash},
      {65, OpKind::kExpire},    {88, OpKind::kAlter},
  };
  for (const auto& [bound, kind] : kUpTo) {
    if (percent < bound) return kind;
  }
  return OpKind::kCreateTopic;
}

// rc::gen::inRange scales with the test size; each field is drawn at full size so that
// short histories still reach every kind of step.
int uniform(int low, int high) {
  return *rc::gen::resize(100, rc::gen::inRange(low, high));
}

rc::Gen<Step> gen_step() {
  return rc::gen::exec([] {
    return Step{op_kind(uniform(0, 100)), uniform(1, kMaxBroker + 1), uniform(0, 100)};
  });
}

bool in(const std::vector<BrokerId>& set, BrokerId id) {
  return std::find(set.begin(), set.end(), id) != set.end();
}

class History {
 public:
  void run(const Step& step) {
    const BrokerId b(step.broker);
    switch (step.kind) {
      case OpKind::kStart:
        start(b);
        break;
      case OpKind::kRetryRegistration:
        retry_registration(b);
        break;
      case OpKind::kHeartbeat:
        heartbeat(b, step.param);
        break;
      case OpKind::kHeartbeatRound:
        heartbeat_round();
        break;
      case OpKind::kShutdown:
        if (heartbeat(b, 0, /*want_shutdown=*/true).should_shutdown) dead_.insert(b);
        break;
      case OpKind::kCrash:
        dead_.insert(b);
        break;
      case OpKind::kExpire:
        now_ += std::chrono::milliseconds(step.param * 100);
        take(logic_.fence_expired(now_));
        break;
      case OpKind::kAlter:
        alter(step.param);
        break;
      case OpKind::kCreateTopic:
        create_topic(step.param);
        break;
    }
    check();
  }

  void classify() const {
    int leaderless = 0, shrunk = 0, fenced = 0, unfenced = 0;
    for (const auto& e : logic_.image().partitions()) {
      leaderless += e.second.leader == kNoLeader;
      shrunk += e.second.isr.size() < e.second.replicas.size();
    }
    for (const auto& e : logic_.image().brokers()) {
      fenced += e.second.fenced;
      unfenced += !e.second.fenced;
    }
    RC_CLASSIFY(leaderless > 0, "leaderless");
    RC_CLASSIFY(shrunk > 0, "shrunk");
    RC_CLASSIFY(fenced > 0, "fenced");
    RC_CLASSIFY(unfenced > 0, "unfenced");
    RC_CLASSIFY(logic_.image().partitions().size() > 0, "partitions");
  }
  void check_snapshot() const {
    const MetadataImage& image = logic_.image();
    MetadataImage rebuilt;
    RC_ASSERT(rebuilt.apply(
        snapshot_delta(snapshot_records(image), std::max<std::int64_t>(1, image.version()))));
    RC_ASSERT(rebuilt.partitions() == image.partitions());
    RC_ASSERT(rebuilt.topics() == image.topics());
    RC_ASSERT(rebuilt.last_broker_epoch() == image.last_broker_epoch());
    RC_ASSERT(snapshot_records(rebuilt) == snapshot_records(image));
  }

 private:
  template <class Response>
  Response take(ControllerResult<Response> result) {
    for (const MetadataRecord& record : result.records) {
      auto decoded = decode_record(encode_record(record));
      RC_ASSERT(decoded.ok());
      RC_ASSERT(decoded.value() == record);
      replay_into(follower_, decoded.value(), follower_.version() + 1);
    }
    return std::move(result.response);
  }

  void start(BrokerId b) {
    BrokerRegistrationRequest request;
    request.broker_id = b;
    request.node = sim::NodeId(static_cast<std::uint32_t>(b.value()));
    request.incarnation = ++last_incarnation_;
    incarnation_[b] = request.incarnation;
    dead_.erase(b);
    const auto response = take(logic_.register_broker(request, now_));
    RC_ASSERT(response.error == ErrorCode::kNone);
    RC_ASSERT(response.broker_epoch > max_epoch_seen_);  // strictly increasing
    max_epoch_seen_ = response.broker_epoch;
  }

  void retry_registration(BrokerId b) {
    const auto known = incarnation_.find(b);
    if (known == incarnation_.end()) return;
    BrokerRegistrationRequest request;
    request.broker_id = b;
    request.node = sim::NodeId(static_cast<std::uint32_t>(b.value()));
    request.incarnation = known->second;
    const BrokerEpoch current = logic_.image().broker(b)->epoch;
    const auto response = take(logic_.register_broker(request, now_));
    RC_ASSERT(response.broker_epoch == current);
  }

  void heartbeat_round() {
    for (const auto& entry : logic_.image().brokers()) {
      if (!dead_.contains(entry.first)) heartbeat(entry.first, 0);
    }
  }

  BrokerHeartbeatResponse heartbeat(BrokerId b, int param, bool want_shutdown = false) {
    const BrokerRegistration* registration = logic_.image().broker(b);
    BrokerHeartbeatRequest request;
    request.broker_id = b;
    request.broker_epoch = registration != nullptr ? registration->epoch : BrokerEpoch(1);
    request.current_metadata_offset = logic_.next_offset() - 1 - param % 4;  // 0..3 behind
    request.want_fence = param % 17 == 5;
    request.want_shutdown = want_shutdown;
    const auto response = take(logic_.heartbeat(request, now_));
    RC_ASSERT((response.error == ErrorCode::kNone) == (registration != nullptr));
    return response;
  }

  // The leader proposes its ISR with one replica added or removed; one in five proposals
  // is based on a stale partition epoch.
  void alter(int param) {
    const auto& partitions = logic_.image().partitions();
    if (partitions.empty()) return;
    auto it = partitions.begin();
    std::advance(it,
                 static_cast<std::ptrdiff_t>(static_cast<std::size_t>(param) % partitions.size()));
    const PartitionState p = it->second;
    if (p.leader == kNoLeader) return;
    AlterPartitionRequest request;
    request.broker_id = p.leader;
    request.broker_epoch = logic_.image().broker(p.leader)->epoch;
    request.tp = p.tp;
    request.leader_epoch = p.leader_epoch;
    request.partition_epoch = param % 5 == 0 ? p.partition_epoch - 1 : p.partition_epoch;
    const BrokerId pick = p.replicas[static_cast<std::size_t>(param / 5) % p.replicas.size()];
    request.new_isr = p.isr;
    if (in(p.isr, pick)) {
      if (pick != p.leader)
        request.new_isr.erase(std::find(request.new_isr.begin(), request.new_isr.end(), pick));
    } else {
      request.new_isr.push_back(pick);
    }
    const auto response = take(logic_.alter_partition(request));
    if (param % 5 == 0) RC_ASSERT(response.error == ErrorCode::kInvalidUpdateVersion);
    if (response.error == ErrorCode::kNone) {
      RC_ASSERT(logic_.image().partition(p.tp)->isr == request.new_isr);
    } else {
      RC_ASSERT(response.error == ErrorCode::kIneligibleReplica ||
                response.error == ErrorCode::kInvalidUpdateVersion);
      RC_ASSERT(*logic_.image().partition(p.tp) == p);
    }
  }

  void create_topic(int param) {
    CreateTopicsRequest request;
    request.topics.push_back(CreatableTopic{fmt::format("t{}", topics_++), param % 4 + 1,
                                            static_cast<std::int16_t>(param / 4 % 3 + 1),
                                            param % 3 == 0});
    take(logic_.create_topics(request, placement_rng_));
  }

  void check() const {
    const MetadataImage& image = logic_.image();
    const auto violation = image.validate();
    RC_ASSERT(!violation.has_value());
    RC_ASSERT(follower_ == image);
    for (const auto& entry : image.partitions()) {
      const PartitionState& p = entry.second;
      if (p.leader != kNoLeader) {
        RC_ASSERT(!image.broker(p.leader)->fenced);
        continue;
      }
      // Leaderless only when nobody could lead it.
      const bool unclean = image.topic(p.tp.topic)->unclean_leader_election_enable;
      for (BrokerId r : p.replicas) {
        RC_ASSERT(!(image.is_eligible(r) && (unclean || in(p.isr, r))));
      }
    }
  }

  sim::SimTime now_ = sim::kSimStart;
  ControllerLogic logic_{ControllerConfig{}, MetadataImage{}, now_};
  MetadataImage follower_;
  sim::Rng placement_rng_{7};
  std::uint64_t last_incarnation_ = 0;
  std::map<BrokerId, std::uint64_t> incarnation_;
  std::set<BrokerId> dead_;  // brokers that stopped heartbeating
  BrokerEpoch max_epoch_seen_{0};
  int topics_ = 0;
};

RC_GTEST_PROP(ControllerProperty, RandomOperationsKeepTheImageValidAndNeverLetAFencedBrokerLead,
              ()) {
  // Up to 200 steps: long enough to build topics, shrink ISRs and then lose brokers.
  const auto steps = *rc::gen::scale(2.0, rc::gen::container<std::vector<Step>>(gen_step()));
  History history;
  for (const Step& step : steps) history.run(step);
  history.check_snapshot();
  history.classify();
}

}  // namespace
}  // namespace samsa::cluster::controller::testing
