// DelayedOperations, the coordinator's purgatory: operations expire on the node's clock,
// complete early when they can, are replaced or cancelled without running, and may watch a
// new operation under their own key from on_complete.
#include "cluster/group/delayed_operations.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/simulation.h"

namespace samsa::cluster {
namespace {

using namespace std::chrono_literals;

class PurgatoryTest : public ::testing::Test {
 protected:
  PurgatoryTest() {
    sim_.start(node_, [] {});
  }

  DelayedOperationKey key(const std::string& group) {
    return {DelayedOperationKey::Kind::kJoin, group, ""};
  }
  // An operation that logs what ran, completing early once `*ready` holds.
  DelayedOperation logging(const std::string& name, std::shared_ptr<bool> ready = nullptr) {
    DelayedOperation op;
    if (ready) op.try_complete = [ready] { return *ready; };
    op.on_expiration = [this, name] { events_.push_back(name + " expired"); };
    op.on_complete = [this, name] { events_.push_back(name + " completed"); };
    return op;
  }

  sim::Simulation sim_{
      sim::SimulationConfig{.seed = 1, .network = {}, .disk = {}, .buggify = {}, .trace_path = {}}};
  sim::NodeId node_ = sim_.add_node("broker");
  sim::NodeEnv env_{sim_, node_};
  DelayedOperations purgatory_{env_};
  std::vector<std::string> events_;
};

TEST_F(PurgatoryTest, AnOperationExpiresAtItsDeadlineThenCompletes) {
  purgatory_.try_complete_else_watch(key("g"), 100ms, logging("op"));
  sim_.run_for(99ms);
  EXPECT_TRUE(events_.empty());
  sim_.run_for(2ms);
  EXPECT_EQ(events_, (std::vector<std::string>{"op expired", "op completed"}));
  EXPECT_FALSE(purgatory_.watched(key("g")));
}

TEST_F(PurgatoryTest, AnOperationThatCanCompleteAtOnceIsNeverWatched) {
  auto ready = std::make_shared<bool>(true);
  EXPECT_TRUE(purgatory_.try_complete_else_watch(key("g"), 100ms, logging("op", ready)));
  EXPECT_EQ(events_, std::vector<std::string>{"op completed"});
  EXPECT_EQ(purgatory_.size(), 0u);
}

TEST_F(PurgatoryTest, CheckAndCompleteCompletesEarlyAndTheTimerNeverFires) {
  auto ready = std::make_shared<bool>(false);
  purgatory_.try_complete_else_watch(key("g"), 100ms, logging("op", ready));
  EXPECT_FALSE(purgatory_.check_and_complete(key("g")));
  *ready = true;
  EXPECT_TRUE(purgatory_.check_and_complete(key("g")));
  sim_.run_for(1s);
  EXPECT_EQ(events_, std::vector<std::string>{"op completed"});
  EXPECT_EQ(sim_.kernel().live_fibers(node_), 0u) << "the timer fiber ended at once";
}

TEST_F(PurgatoryTest, AReplacedOrCancelledOperationNeverRuns) {
  purgatory_.try_complete_else_watch(key("g"), 100ms, logging("first"));
  purgatory_.try_complete_else_watch(key("g"), 200ms, logging("second"));
  purgatory_.try_complete_else_watch(key("h"), 50ms, logging("cancelled"));
  EXPECT_TRUE(purgatory_.cancel(key("h")));
  EXPECT_FALSE(purgatory_.cancel(key("h")));
  sim_.run_for(1s);
  EXPECT_EQ(events_, (std::vector<std::string>{"second expired", "second completed"}));
}

TEST_F(PurgatoryTest, OnCompleteMayWatchANewOperationUnderItsOwnKey) {
  DelayedOperation op = logging("first");
  op.on_complete = [this] {
    events_.push_back("first completed");
    purgatory_.try_complete_else_watch(key("g"), 100ms, logging("second"));
  };
  purgatory_.try_complete_else_watch(key("g"), 100ms, std::move(op));
  sim_.run_for(150ms);
  EXPECT_TRUE(purgatory_.watched(key("g")));
  sim_.run_for(100ms);
  EXPECT_EQ(events_, (std::vector<std::string>{"first expired", "first completed", "second expired",
                                               "second completed"}));
}

TEST_F(PurgatoryTest, CancelAllDropsEverything) {
  purgatory_.try_complete_else_watch(key("g"), 100ms, logging("a"));
  purgatory_.try_complete_else_watch(key("h"), 100ms, logging("b"));
  purgatory_.cancel_all();
  sim_.run_for(1s);
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(purgatory_.size(), 0u);
}

}  // namespace
}  // namespace samsa::cluster
