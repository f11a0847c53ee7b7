#include "sim/network.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <utility>

#include "sim/assert.h"

namespace samsa::sim {

namespace {

// Folds the parts of an envelope that identify it: (from, to, content, id, correlation).
std::uint64_t envelope_digest(const Envelope& envelope) {
  std::uint64_t h = mix64(envelope.from.value());
  h = mix64(h ^ envelope.to.value());
  h = mix64(h ^ envelope.message->digest());
  h = mix64(h ^ envelope.id);
  return mix64(h ^ envelope.correlation_id ^ (envelope.is_response ? 1ULL << 63 : 0));
}

std::uint64_t nodes_digest(std::span<const NodeId> nodes, std::uint64_t h) {
  for (const NodeId node : nodes) h = mix64(h ^ node.value());
  return mix64(h ^ nodes.size());
}

std::string format_nodes(std::span<const NodeId> nodes) {
  std::string out = "[";
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    out += fmt::format("{}{}", i == 0 ? "" : ",", nodes[i]);
  }
  return out + "]";
}

void check_config(const NetworkConfig& config) {
  const auto is_probability = [](double p) { return p >= 0.0 && p <= 1.0; };
  SAMSA_ASSERT(is_probability(config.drop_probability), "drop_probability outside [0, 1]");
  SAMSA_ASSERT(is_probability(config.duplicate_probability),
               "duplicate_probability outside [0, 1]");
  SAMSA_ASSERT(is_probability(config.delay_probability), "delay_probability outside [0, 1]");
  SAMSA_ASSERT(config.latency.base >= Duration::zero() && config.latency.jitter >= Duration::zero(),
               "negative latency");
  SAMSA_ASSERT(config.delay_max >= Duration::zero(), "negative delay_max");
  SAMSA_ASSERT(config.inbox_capacity > 0, "an inbox needs room for at least one message");
}

}  // namespace

std::string_view drop_reason_name(DropReason reason) {
  switch (reason) {
    case DropReason::kFault:
      return "fault";
    case DropReason::kPartition:
      return "partition";
    case DropReason::kDown:
      return "down";
    case DropReason::kStaleIncarnation:
      return "stale-incarnation";
    case DropReason::kInboxFull:
      return "inbox-full";
  }
  return "unknown";
}

Network::Network(Kernel& kernel, Rng rng, NetworkConfig config)
    : kernel_(kernel), rng_(rng), config_(config) {
  check_config(config_);
}

// --- Nodes --------------------------------------------------------------------------------

void Network::add_node(NodeId node) {
  SAMSA_ASSERT(node.valid() && node.value() < kernel_.node_count(), "add_node of an unknown node");
  SAMSA_ASSERT(!has_node(node), "add_node twice");
  const std::size_t n = std::max<std::size_t>(stride_, node.value() + 1);
  if (n != stride_) {  // grow the matrices, keeping every existing link's state
    std::vector<std::uint16_t> blocked(n * n, 0);
    std::vector<Link> links(n * n);
    for (std::size_t from = 0; from < stride_; ++from) {
      for (std::size_t to = 0; to < stride_; ++to) {
        blocked[from * n + to] = blocked_[from * stride_ + to];
        links[from * n + to] = links_[from * stride_ + to];
      }
    }
    blocked_ = std::move(blocked);
    links_ = std::move(links);
    stride_ = n;
    inboxes_.resize(n);
  }
  inboxes_[node.value()] = std::make_unique<Channel<Envelope>>(config_.inbox_capacity);
}

bool Network::has_node(NodeId node) const {
  return node.valid() && node.value() < inboxes_.size() && inboxes_[node.value()] != nullptr;
}

Channel<Envelope>& Network::inbox(NodeId node) {
  SAMSA_ASSERT(has_node(node), "inbox of a node the network does not know");
  return *inboxes_[node.value()];
}

std::size_t Network::index(NodeId from, NodeId to) const {
  SAMSA_ASSERT(has_node(from) && has_node(to), "a link between nodes the network does not know");
  return static_cast<std::size_t>(from.value()) * stride_ + to.value();
}

void Network::on_crash(NodeId node) {
  inbox(node).clear();
  // The process's TCP connections are gone: its links start afresh (no FIFO constraint
  // between what the old and the new incarnation send).
  for (std::size_t other = 0; other < stride_; ++other) {
    links_[node.value() * stride_ + other].last_delivery = kSimStart;
    links_[other * stride_ + node.value()].last_delivery = kSimStart;
  }
}

void Network::on_restart(NodeId node) {
  // Nothing can have arrived while the node was down; clearing again keeps a crash that
  // skipped on_crash from leaking the old process's messages into the new one.
  inbox(node).clear();
}

// --- Sending and delivering -----------------------------------------------------------------

std::uint64_t Network::send(NodeId to, MessagePtr message, std::uint64_t correlation_id,
                            bool is_response) {
  kernel_.check_alive();
  // A crashed node's fiber that is unwinding (check_alive cannot throw then) sends nothing.
  if (kernel_.current_is_killed()) return 0;
  const NodeId from = kernel_.current_node();
  SAMSA_ASSERT(from.valid(), "send() outside a fiber; use send_from()");
  return send_from(from, to, std::move(message), correlation_id, is_response);
}

std::uint64_t Network::send_from(NodeId from, NodeId to, MessagePtr message,
                                 std::uint64_t correlation_id, bool is_response) {
  SAMSA_ASSERT(message != nullptr, "send of a null message");
  const std::size_t at = index(from, to);
  const Envelope envelope{
      from, to, ++next_message_id_, correlation_id, is_response, std::move(message), kernel_.now()};
  ++stats_.sent;
  kernel_.trace().record(kernel_.now(), from, EventKind::kSend, envelope_digest(envelope), [&] {
    return fmt::format("#{} {}->{} {}{}", envelope.id, kernel_.node_name(from),
                       kernel_.node_name(to), envelope.message->describe(),
                       envelope.is_response ? " (response)" : "");
  });
  // Draw order (fixed): drop, duplicate, then per copy latency jitter, delay, delay amount.
  if (blocked_[at] != 0) {
    drop(envelope, from, DropReason::kPartition);
  } else if (rng_.bernoulli(config_.drop_probability)) {
    drop(envelope, from, DropReason::kFault);
  } else {
    const bool duplicate = rng_.bernoulli(config_.duplicate_probability);
    schedule_copy(envelope);
    if (duplicate) {
      ++stats_.duplicated;
      kernel_.trace().record(kernel_.now(), from, EventKind::kDuplicate, envelope_digest(envelope),
                             [&] { return fmt::format("#{}", envelope.id); });
      schedule_copy(envelope);
    }
  }
  return envelope.id;
}

Duration Network::draw_latency(NodeId from, NodeId to) {
  const LatencyModel model = link_latency(from, to);
  if (model.jitter <= Duration::zero()) return model.base;
  return model.base + rng_.uniform_duration(Duration::zero(), model.jitter);
}

void Network::schedule_copy(const Envelope& envelope) {
  SimTime at = kernel_.now() + draw_latency(envelope.from, envelope.to);
  if (rng_.bernoulli(config_.delay_probability)) {
    ++stats_.delayed;
    at += rng_.uniform_duration(Duration::zero(), config_.delay_max);
  }
  Link& l = link(envelope.from, envelope.to);
  // Equal times stay in scheduling order in the kernel, so max() is enough for FIFO.
  if (config_.fifo_links) at = std::max(at, l.last_delivery);
  l.last_delivery = std::max(at, l.last_delivery);

  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    SAMSA_ASSERT(in_flight_.size() < kMaxInFlight, "too many messages in flight");
    slot = static_cast<std::uint32_t>(in_flight_.size());
    in_flight_.emplace_back();
  }
  InFlight& entry = in_flight_[slot];
  entry.envelope = envelope;
  entry.to_incarnation = kernel_.incarnation(envelope.to);
  kernel_.schedule(at, this, slot);
}

void Network::on_timer(std::uint64_t arg) {
  SAMSA_ASSERT(arg < in_flight_.size(), "a delivery for an unknown slot");
  const auto slot = static_cast<std::uint32_t>(arg);
  InFlight& entry = in_flight_[slot];
  SAMSA_ASSERT(entry.envelope.message != nullptr, "a delivery for a free slot");
  Envelope envelope = std::move(entry.envelope);
  entry.envelope.message.reset();
  free_slots_.push_back(slot);
  deliver(std::move(envelope), entry.to_incarnation);
}

void Network::deliver(Envelope envelope, std::uint32_t to_incarnation) {
  const NodeId to = envelope.to;
  if (blocked_[index(envelope.from, to)] != 0) return drop(envelope, to, DropReason::kPartition);
  if (!kernel_.is_up(to)) return drop(envelope, to, DropReason::kDown);
  if (kernel_.incarnation(to) != to_incarnation) {
    return drop(envelope, to, DropReason::kStaleIncarnation);
  }
  // A paused node still receives: the OS socket buffer fills while the process stalls.
  Channel<Envelope>& box = inbox(to);
  if (box.closed() || box.size() >= box.capacity()) {
    return drop(envelope, to, DropReason::kInboxFull);
  }
  ++stats_.delivered;
  kernel_.trace().record(kernel_.now(), to, EventKind::kDeliver, envelope_digest(envelope), [&] {
    return fmt::format("#{} {}->{} {}", envelope.id, kernel_.node_name(envelope.from),
                       kernel_.node_name(to), envelope.message->describe());
  });
  const bool pushed = box.try_push(std::move(envelope));
  SAMSA_ASSERT(pushed, "an inbox with room refused a message");
}

void Network::drop(const Envelope& envelope, NodeId at, DropReason reason) {
  switch (reason) {
    case DropReason::kFault:
      ++stats_.dropped_fault;
      break;
    case DropReason::kPartition:
      ++stats_.dropped_partition;
      break;
    case DropReason::kDown:
    case DropReason::kStaleIncarnation:
      ++stats_.dropped_down;
      break;
    case DropReason::kInboxFull:
      ++stats_.dropped_inbox_full;
      break;
  }
  const std::uint64_t digest =
      mix64(envelope_digest(envelope) ^ static_cast<std::uint64_t>(reason));
  kernel_.trace().record(kernel_.now(), at, EventKind::kDrop, digest, [&] {
    return fmt::format("#{} {}->{} {} ({})", envelope.id, kernel_.node_name(envelope.from),
                       kernel_.node_name(envelope.to), envelope.message->describe(),
                       drop_reason_name(reason));
  });
}

// --- Faults ---------------------------------------------------------------------------------

void Network::set_config(const NetworkConfig& config) {
  check_config(config);
  config_ = config;
  std::uint64_t h = mix64(static_cast<std::uint64_t>(config.latency.base.count()));
  h = mix64(h ^ static_cast<std::uint64_t>(config.latency.jitter.count()));
  h = mix64(h ^ std::bit_cast<std::uint64_t>(config.drop_probability));
  h = mix64(h ^ std::bit_cast<std::uint64_t>(config.duplicate_probability));
  h = mix64(h ^ std::bit_cast<std::uint64_t>(config.delay_probability));
  h = mix64(h ^ static_cast<std::uint64_t>(config.delay_max.count()));
  record_fault("set-config", mix64(h ^ (config.fifo_links ? 1 : 0)));
}

void Network::set_link_latency(NodeId from, NodeId to, LatencyModel model) {
  SAMSA_ASSERT(model.base >= Duration::zero() && model.jitter >= Duration::zero(),
               "negative latency");
  Link& l = link(from, to);
  l.has_latency_override = true;
  l.latency_override = model;
  record_fault(fmt::format("slow-link {}->{} base={} jitter={}", from, to,
                           format_duration(model.base), format_duration(model.jitter)),
               mix64(index(from, to)) ^ static_cast<std::uint64_t>(model.base.count()));
}

void Network::clear_link_latency(NodeId from, NodeId to) {
  link(from, to).has_latency_override = false;
  record_fault(fmt::format("clear-slow-link {}->{}", from, to), mix64(index(from, to)));
}

LatencyModel Network::link_latency(NodeId from, NodeId to) const {
  const Link& l = link(from, to);
  return l.has_latency_override ? l.latency_override : config_.latency;
}

Network::Cut Network::set_blocked(std::span<const NodeId> from, std::span<const NodeId> to,
                                  bool symmetric) {
  const auto block = [&](NodeId a, NodeId b) {
    std::uint16_t& count = blocked_[index(a, b)];
    SAMSA_ASSERT(count < std::numeric_limits<std::uint16_t>::max(), "too many nested cuts");
    ++count;
  };
  for (const NodeId a : from) {
    for (const NodeId b : to) {
      SAMSA_ASSERT(a != b, "the two sides of a partition overlap");
      block(a, b);
      if (symmetric) block(b, a);
    }
  }
  const std::uint64_t digest = nodes_digest(to, nodes_digest(from, symmetric ? 1 : 2));
  record_fault(fmt::format("partition {} {} {}", format_nodes(from), symmetric ? "<->" : "->",
                           format_nodes(to)),
               digest);
  const std::uint64_t id = next_cut_id_++;
  active_cuts_.insert(id);
  return Cut{{from.begin(), from.end()}, {to.begin(), to.end()}, symmetric, id};
}

Network::Cut Network::partition(std::span<const NodeId> side_a, std::span<const NodeId> side_b) {
  return set_blocked(side_a, side_b, /*symmetric=*/true);
}

Network::Cut Network::partition_one_way(std::span<const NodeId> from, std::span<const NodeId> to) {
  return set_blocked(from, to, /*symmetric=*/false);
}

Network::Cut Network::isolate(NodeId node) {
  const NodeId self[] = {node};
  std::vector<NodeId> others;
  for (std::size_t i = 0; i < inboxes_.size(); ++i) {
    const NodeId other(static_cast<std::uint32_t>(i));
    if (other != node && has_node(other)) others.push_back(other);
  }
  return set_blocked(self, others, /*symmetric=*/true);
}

void Network::restore(const Cut& cut) {
  if (active_cuts_.erase(cut.id) == 0) return;  // restored already, or healed
  const auto unblock = [&](NodeId a, NodeId b) {
    std::uint16_t& count = blocked_[index(a, b)];
    SAMSA_ASSERT(count > 0, "a cut in force covers a link that is up");
    --count;
  };
  for (const NodeId a : cut.from) {
    for (const NodeId b : cut.to) {
      unblock(a, b);
      if (cut.symmetric) unblock(b, a);
    }
  }
  // The same trace event as heal() when this was the last cut, so that a run whose faults
  // never overlap traces exactly as when every end of a fault healed the whole network.
  if (std::all_of(blocked_.begin(), blocked_.end(), [](std::uint16_t c) { return c == 0; })) {
    return record_fault("heal", 0);
  }
  record_fault(fmt::format("restore {} {} {}", format_nodes(cut.from), cut.symmetric ? "<->" : "->",
                           format_nodes(cut.to)),
               nodes_digest(cut.to, nodes_digest(cut.from, cut.symmetric ? 3 : 4)));
}

void Network::heal() {
  std::fill(blocked_.begin(), blocked_.end(), 0);
  active_cuts_.clear();
  record_fault("heal", 0);
}

bool Network::can_reach(NodeId from, NodeId to) const {
  return blocked_[index(from, to)] == 0;
}

void Network::record_fault(std::string_view what, std::uint64_t digest) {
  kernel_.trace().record(kernel_.now(), NodeId::invalid(), EventKind::kFault,
                         mix64(fnv1a64("network") ^ digest), [&] { return std::string(what); });
}

}  // namespace samsa::sim
