// The simulated network: typed, immutable messages between nodes, with the fault model of
// DESIGN.md (loss, duplication, delay, reordering, partitions, slow links). Node code
// sends from its fibers and reads its inbox; the Simulation calls on_crash/on_restart and
// the nemesis calls the fault methods. Invariants: 1. a message is delivered at most once
// per copy, never before now + base latency of its link; 2. a blocked link, a down
// destination or a new incarnation of it never receives; 3. with fifo_links a link never
// reorders; 4. every random draw comes from the network's Rng, in a fixed order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/ids.h"
#include "sim/kernel.h"
#include "sim/random.h"
#include "sim/sync.h"
#include "sim/time.h"

namespace samsa::sim {

// Messages are immutable typed objects (no serialization); duplicates share the pointer.
struct Message {
  virtual ~Message() = default;
  virtual std::string_view kind() const = 0;  // e.g. "Produce"
  virtual std::uint64_t digest() const = 0;   // stable content hash, folded into the trace hash
  virtual std::string describe() const { return std::string(kind()); }  // for trace files
};
using MessagePtr = std::shared_ptr<const Message>;

struct Envelope {
  NodeId from;
  NodeId to;
  std::uint64_t id = 0;  // unique per send; a duplicate carries its original's id
  std::uint64_t correlation_id = 0;
  bool is_response = false;
  MessagePtr message;
  SimTime sent_at;
};

// latency = base + uniform[0, jitter]
struct LatencyModel {
  Duration base = std::chrono::microseconds(500);
  Duration jitter = std::chrono::microseconds(500);
  bool operator==(const LatencyModel&) const = default;
};

struct NetworkConfig {
  LatencyModel latency;
  double drop_probability = 0;
  double duplicate_probability = 0;
  double delay_probability = 0;
  Duration delay_max = std::chrono::milliseconds(50);  // extra delay, uniform [0, delay_max]
  // Like TCP: a link never reorders (delivery time = max(drawn, last delivery on that
  // link)). When false, jitter and extra delay reorder messages.
  bool fifo_links = true;
  // A full inbox drops (counted). Read when a node is added.
  std::size_t inbox_capacity = 4096;
  bool operator==(const NetworkConfig&) const = default;
};

struct NetworkStats {
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  std::uint64_t dropped_fault = 0;
  std::uint64_t dropped_partition = 0;
  std::uint64_t dropped_down = 0;  // destination down, or restarted since the send
  std::uint64_t dropped_inbox_full = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t delayed = 0;
};

enum class DropReason : std::uint8_t { kFault, kPartition, kDown, kStaleIncarnation, kInboxFull };
std::string_view drop_reason_name(DropReason reason);

class Network final : public TimerTarget {
 public:
  // Bound on messages in flight at once (each holds one slot).
  static constexpr std::size_t kMaxInFlight = std::size_t{1} << 20;

  // Lifetime: the Network must outlive every kernel.run() (deliveries are kernel timers)
  // and every fiber blocked on an inbox (crash the nodes and run the kernel to unwind them
  // before destroying it).
  Network(Kernel& kernel, Rng rng, NetworkConfig config = {});
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  Kernel& kernel() const { return kernel_; }

  // Creates the node's inbox. Every node that sends or receives must be added first.
  void add_node(NodeId node);
  bool has_node(NodeId node) const;

  // From a fiber: sends from the calling fiber's node. Returns the message id.
  std::uint64_t send(NodeId to, MessagePtr message, std::uint64_t correlation_id = 0,
                     bool is_response = false);
  // From anywhere (the main context too): sends on behalf of `from`.
  std::uint64_t send_from(NodeId from, NodeId to, MessagePtr message,
                          std::uint64_t correlation_id = 0, bool is_response = false);
  Channel<Envelope>& inbox(NodeId node);

  // Lifecycle hooks the Simulation calls after Kernel::crash / Kernel::bring_up.
  // on_crash clears the node's inbox (process memory is gone); messages in flight to it
  // are dropped on arrival (its incarnation changed: TCP connections reset). Messages it
  // sent before crashing are already in the wire and still arrive.
  void on_crash(NodeId node);
  void on_restart(NodeId node);

  // --- Faults ---------------------------------------------------------------------------
  void set_config(const NetworkConfig& config);
  const NetworkConfig& config() const { return config_; }
  // A slow link, one direction; overrides config().latency for from -> to.
  void set_link_latency(NodeId from, NodeId to, LatencyModel model);
  void clear_link_latency(NodeId from, NodeId to);
  LatencyModel link_latency(NodeId from, NodeId to) const;
  // The links one partition or isolation blocked, to give to restore(). Cuts nest: a link
  // is blocked while any cut that covers it is in force, so ending one of two overlapping
  // faults leaves the other's links cut.
  struct Cut {
    std::vector<NodeId> from;
    std::vector<NodeId> to;
    bool symmetric = true;
    std::uint64_t id = 0;  // which cut: restoring it twice, or after heal(), is a no-op
  };
  // Symmetric: every a <-> b blocked. The sides must be disjoint.
  Cut partition(std::span<const NodeId> side_a, std::span<const NodeId> side_b);
  // Only from -> to blocked. The sides must be disjoint.
  Cut partition_one_way(std::span<const NodeId> from, std::span<const NodeId> to);
  // Cut off from every other node there is now, both directions (messages to itself still
  // arrive).
  Cut isolate(NodeId node);
  // Ends one cut (after heal(), or twice, it changes nothing). When no link is left
  // blocked it is traced as a heal.
  void restore(const Cut& cut);
  // Removes every partition (latency overrides stay).
  void heal();
  bool can_reach(NodeId from, NodeId to) const;

  const NetworkStats& stats() const { return stats_; }
  std::size_t in_flight() const { return in_flight_.size() - free_slots_.size(); }

  void on_timer(std::uint64_t arg) override;  // a delivery: arg is the in-flight slot

 private:
  struct InFlight {
    Envelope envelope;
    std::uint32_t to_incarnation = 0;
  };
  struct Link {
    bool has_latency_override = false;
    LatencyModel latency_override;
    SimTime last_delivery = kSimStart;  // for fifo_links
  };

  std::size_t index(NodeId from, NodeId to) const;
  Link& link(NodeId from, NodeId to) { return links_[index(from, to)]; }
  const Link& link(NodeId from, NodeId to) const { return links_[index(from, to)]; }
  Cut set_blocked(std::span<const NodeId> from, std::span<const NodeId> to, bool symmetric);
  Duration draw_latency(NodeId from, NodeId to);
  void schedule_copy(const Envelope& envelope);
  void deliver(Envelope envelope, std::uint32_t to_incarnation);
  void drop(const Envelope& envelope, NodeId at, DropReason reason);
  void record_fault(std::string_view what, std::uint64_t digest);

  Kernel& kernel_;
  Rng rng_;
  NetworkConfig config_;
  NetworkStats stats_;
  std::uint64_t next_message_id_ = 0;
  std::size_t stride_ = 0;  // node slots per matrix row (max node id + 1)
  // [from * stride_ + to]: how many cuts in force block from -> to (0: the link is up).
  std::vector<std::uint16_t> blocked_;
  std::set<std::uint64_t> active_cuts_;  // the ids of the cuts in force
  std::uint64_t next_cut_id_ = 1;
  std::vector<Link> links_;                                  // same layout as blocked_
  std::vector<std::unique_ptr<Channel<Envelope>>> inboxes_;  // by node id; null if not added
  std::vector<InFlight> in_flight_;                          // slab of deliveries
  std::vector<std::uint32_t> free_slots_;                    // reusable slab slots
};

}  // namespace samsa::sim
