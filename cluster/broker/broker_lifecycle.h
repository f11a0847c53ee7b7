// BrokerLifecycle: a broker's standing with the controller (KIP-631, Kafka's
// BrokerLifecycleManager). At start-up it registers with a fresh incarnation id and gets a
// broker epoch; then it heartbeats every broker.heartbeat.interval.ms with the metadata
// offset it has published, learning whether it is caught up, fenced, or (in a controlled
// shutdown) allowed to stop. A STALE_BROKER_EPOCH answer means the controller no longer
// knows this registration: it registers again.
//
// Invariants: 1. one fiber talks to the controller, so registrations and heartbeats never
// overlap; 2. the broker epoch only changes by a new registration, and only upwards.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "cluster/broker/broker.h"
#include "cluster/broker/controller_channel.h"
#include "cluster/types.h"
#include "sim/node_env.h"
#include "sim/sync.h"

namespace samsa::cluster {

class BrokerLifecycle {
 public:
  // `metadata_offset` reads the offset after the last metadata record this broker
  // published (the "current metadata offset" of KIP-631 heartbeats).
  BrokerLifecycle(sim::NodeEnv& env, ControllerChannel& controller, const BrokerConfig& config,
                  std::function<Offset()> metadata_offset);

  // Spawns the lifecycle fiber (for the process's life).
  void start();
  // Asks for a controlled shutdown; resolves `done` once the controller allows the broker
  // to stop (it leads nothing and left every ISR it could).
  void begin_controlled_shutdown();
  bool shutdown_allowed() const { return shutdown_allowed_; }
  // Shared: a fiber waiting on it may unwind (on a crash) after this object is gone.
  std::shared_ptr<sim::Event> shutdown_allowed_event() { return shutdown_allowed_event_; }

  std::optional<BrokerEpoch> broker_epoch() const { return broker_epoch_; }
  bool fenced() const { return fenced_; }
  // This process's incarnation id, sent with every registration.
  std::uint64_t incarnation() const { return incarnation_; }

 private:
  void run();
  bool register_once();
  // One heartbeat; false when the broker must register again.
  bool heartbeat_once();

  sim::NodeEnv& env_;
  ControllerChannel& controller_;
  const BrokerConfig& config_;
  std::function<Offset()> metadata_offset_;
  std::uint64_t incarnation_ = 0;
  std::optional<BrokerEpoch> broker_epoch_;
  bool fenced_ = true;
  bool want_shutdown_ = false;
  bool shutdown_allowed_ = false;
  std::shared_ptr<sim::Event> shutdown_allowed_event_ = std::make_shared<sim::Event>();
};

}  // namespace samsa::cluster
