// Digest: folds a message's fields, in order, into the 64-bit value that sim::Message::digest()
// returns and the network folds into the trace hash. Every protocol message of cluster/
// (broker, Raft, controller) digests every one of its fields through it, so two runs
// that send different contents never share a trace hash.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "cluster/errors.h"
#include "cluster/log/byte_utils.h"
#include "cluster/metadata/metadata.h"
#include "cluster/types.h"
#include "sim/ids.h"
#include "sim/random.h"

namespace samsa::cluster {

// Folds fields into a digest in the order given.
class Digest {
 public:
  explicit Digest(std::string_view kind) : h_(sim::fnv1a64(kind)) {}
  Digest& add(std::uint64_t v) {
    h_ = sim::mix64(h_ ^ v) + 0x9e3779b97f4a7c15ULL;
    return *this;
  }
  template <class Tag, class Rep>
  Digest& add(Quantity<Tag, Rep> q) {
    return add(static_cast<std::uint64_t>(q.value()));
  }
  template <class Tag, class Rep>
  Digest& add(sim::StrongId<Tag, Rep> id) {
    return add(static_cast<std::uint64_t>(id.value()));
  }
  // Exactly bool (a constrained template, so integers never convert to it).
  template <class B>
    requires std::same_as<B, bool>
  Digest& add(B b) {
    return add(std::uint64_t{b ? 1U : 0U});
  }
  Digest& add(const std::optional<sim::NodeId>& node) {
    return node ? add(true).add(std::uint64_t{node->value()}) : add(false);
  }
  Digest& add(std::string_view s) { return add(sim::fnv1a64(s)); }
  Digest& add(const Bytes& bytes) {
    add(bytes.size());
    return add(sim::fnv1a64(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
  }
  Digest& add(const TopicPartition& tp) { return add(std::string_view(tp.topic)).add(tp.partition); }
  Digest& add(const std::vector<BrokerId>& ids) {
    add(ids.size());
    for (BrokerId id : ids) add(id);
    return *this;
  }
  Digest& add(ErrorCode e) { return add(static_cast<std::uint64_t>(static_cast<std::int16_t>(e))); }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_;
};


}  // namespace samsa::cluster
