// The active controller's configuration, with Kafka's names (KIP-631). Read by
// ControllerLogic; the integrator fills it from the scenario.
#pragma once

#include <cstdint>

#include "cluster/bugs.h"

namespace samsa::cluster::controller {

struct ControllerConfig {
  // broker.session.timeout.ms: a broker whose last heartbeat is older than this is fenced.
  // Kafka's default (9000) is kept; brokers heartbeat every broker.heartbeat.interval.ms
  // (Kafka's default 2000), a broker-side setting.
  std::int64_t broker_session_timeout_ms = 9'000;
  // The historical defects switched on for this run; the controller reads
  // Bug::kElectOutsideIsr and Bug::kFencedBrokerJoinsIsr.
  Bugs bugs;
};

}  // namespace samsa::cluster::controller
