// The controller's bug switches produce exactly the damage they model, and the image's
// validate() names it: kElectOutsideIsr makes a replica outside the ISR leader (the
// data-loss path unclean election would take, without the config's consent).
#include <gtest/gtest.h>

#include "tests/cluster/controller/controller_testing.h"

namespace samsa::cluster::controller::testing {
namespace {

const TopicPartition kTp = tp("t", 0);

// Two brokers, t-0 on both, clean election only; the ISR shrinks to the leader, which
// then loses its session: no ISR member is left to lead.
struct LastIsrMemberFenced {
  explicit LastIsrMemberFenced(ControllerConfig config) : rig(2, config) {
    rig.create_topic("t", 1, 2);
    leader = rig.state(kTp).leader;
    other = leader == kB1 ? kB2 : kB1;
    EXPECT_EQ(rig.alter(rig.alter_request(kTp, {leader})).error, ErrorCode::kNone);
    rig.expire(leader);
  }
  ControllerRig rig;
  BrokerId leader;
  BrokerId other;
};

TEST(ControllerBugs, WithoutTheBugTheOutOfSyncReplicaDoesNotLead) {
  LastIsrMemberFenced c{ControllerConfig{}};
  EXPECT_EQ(c.rig.state(kTp).leader, kNoLeader);
  EXPECT_EQ(c.rig.state(kTp).isr, std::vector<BrokerId>{c.leader});
  EXPECT_FALSE(c.rig.image().validate());
}

TEST(ControllerBugs, TheElectOutsideIsrBugMakesTheOutOfSyncReplicaLeaderAndValidateFlagsIt) {
  ControllerConfig config;
  config.bugs.enable(Bug::kElectOutsideIsr);
  LastIsrMemberFenced c{config};
  const PartitionState& p = c.rig.state(kTp);
  EXPECT_EQ(p.leader, c.other);
  EXPECT_EQ(p.isr, std::vector<BrokerId>{c.leader});  // not reset: the config did not consent
  EXPECT_EQ(c.rig.image().validate().value_or("valid"),
            fmt::format("t-0: leader {} is not in the ISR", c.other));
}

}  // namespace
}  // namespace samsa::cluster::controller::testing
