#include "cluster/group/consumer_protocol.h"

#include <limits>
#include <span>
#include <string_view>
#include <utility>

#include "cluster/log/byte_utils.h"

namespace samsa::cluster {
namespace {

using sim::Err;

// Kafka's ConsumerProtocolSubscription and ConsumerProtocolAssignment schemas (non-flexible,
// big-endian): an int16 version, then the fields. Subscription v1 added owned_partitions
// (KIP-429), v2 generation_id (KIP-792), v3 rack_id (KIP-881); the assignment's layout is
// the same in v0..v3, so it is written as v3 too.
constexpr std::int16_t kSubscriptionVersion = 3;
constexpr std::int16_t kAssignmentVersion = 3;
constexpr ErrorCode kMalformed = ErrorCode::kInconsistentGroupProtocol;

// The fewest bytes one array element can take, so that an element count is checked against
// the bytes left before anything is allocated (a count is an untrusted int32).
constexpr std::size_t kMinStringBytes = 2;                             // int16 length
constexpr std::size_t kMinTopicPartitionsBytes = kMinStringBytes + 4;  // topic + int32 count
constexpr std::size_t kPartitionBytes = 4;

// --- Writing ---

void append_string(Bytes& out, std::string_view s) {
  SAMSA_ASSERT(s.size() <= static_cast<std::size_t>(std::numeric_limits<std::int16_t>::max()),
               "a protocol string is at most 32767 bytes (int16 length)");
  append_be<std::int16_t>(out, static_cast<std::int16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

void append_nullable_string(Bytes& out, const std::optional<std::string>& s) {
  if (!s) {
    append_be<std::int16_t>(out, -1);
    return;
  }
  append_string(out, *s);
}

void append_count(Bytes& out, std::size_t count) {
  SAMSA_ASSERT(count <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
               "a protocol array holds at most INT32_MAX elements");
  append_be<std::int32_t>(out, static_cast<std::int32_t>(count));
}

// Non-null bytes (an empty user_data is written as length 0; null reads back as empty).
void append_bytes(Bytes& out, const Bytes& bytes) {
  append_count(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// Kafka's [TopicPartition] shape: one entry per topic with its partition numbers. Each run
// of consecutive partitions of one topic becomes one entry, so the list reads back in
// exactly the order it was written (decode(encode(x)) == x for any order).
void append_topic_partitions(Bytes& out, const std::vector<TopicPartition>& partitions) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;  // [begin, end) into `partitions`
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    if (runs.empty() || partitions[runs.back().first].topic != partitions[i].topic) {
      runs.emplace_back(i, i);
    }
    runs.back().second = i + 1;
  }
  append_count(out, runs.size());
  for (const auto& [begin, end] : runs) {
    append_string(out, partitions[begin].topic);
    append_count(out, end - begin);
    for (std::size_t i = begin; i < end; ++i) {
      append_be<std::int32_t>(out, partitions[i].partition.value());
    }
  }
}

// --- Reading: every read checks the bytes left and reports a short input as nullopt ---

class ProtocolReader {
 public:
  explicit ProtocolReader(const Bytes& bytes) : reader_(std::span<const std::uint8_t>(bytes)) {}

  template <std::integral T>
  std::optional<T> read_int() {
    const auto bytes = reader_.read_bytes(sizeof(T));
    if (!bytes) return std::nullopt;
    return load_be<T>(*bytes, 0);
  }

  // A non-negative int32 count whose elements, each at least `min_element_bytes` long,
  // fit in the bytes left.
  std::optional<std::size_t> read_count(std::size_t min_element_bytes) {
    const auto count = read_int<std::int32_t>();
    if (!count || *count < 0) return std::nullopt;
    const auto n = static_cast<std::size_t>(*count);
    if (n > reader_.remaining() / min_element_bytes) return std::nullopt;
    return n;
  }

  // A string of int16 length; `nullable` lets length -1 mean null.
  std::optional<std::optional<std::string>> read_string(bool nullable) {
    const auto length = read_int<std::int16_t>();
    if (!length) return std::nullopt;
    if (*length == -1 && nullable) return std::optional<std::string>();
    if (*length < 0) return std::nullopt;
    const auto bytes = reader_.read_bytes(static_cast<std::size_t>(*length));
    if (!bytes) return std::nullopt;
    return std::optional<std::string>(std::string(bytes->begin(), bytes->end()));
  }

  std::optional<std::string> read_topic() {
    auto topic = read_string(/*nullable=*/false);
    if (!topic) return std::nullopt;
    return std::move(**topic);
  }

  // Nullable bytes of int32 length; null reads as empty.
  std::optional<Bytes> read_bytes() {
    const auto length = read_int<std::int32_t>();
    if (!length || *length < -1) return std::nullopt;
    if (*length == -1) return Bytes{};
    const auto bytes = reader_.read_bytes(static_cast<std::size_t>(*length));
    if (!bytes) return std::nullopt;
    return Bytes(bytes->begin(), bytes->end());
  }

  std::optional<std::vector<TopicPartition>> read_topic_partitions() {
    const auto topics = read_count(kMinTopicPartitionsBytes);
    if (!topics) return std::nullopt;
    std::vector<TopicPartition> out;
    for (std::size_t t = 0; t < *topics; ++t) {
      auto topic = read_topic();
      const auto partitions = topic ? read_count(kPartitionBytes) : std::nullopt;
      if (!partitions) return std::nullopt;
      for (std::size_t p = 0; p < *partitions; ++p) {
        const auto partition = read_int<std::int32_t>();
        if (!partition || *partition < 0) return std::nullopt;
        out.push_back(TopicPartition{*topic, PartitionIndex(*partition)});
      }
    }
    return out;
  }

  // Kafka reads a newer version as its own highest one and ignores the fields it does not
  // know; a known version must end exactly where its last field does.
  bool finished(std::int16_t version, std::int16_t highest_known) const {
    return version > highest_known || reader_.remaining() == 0;
  }

 private:
  ByteReader reader_;
};

std::optional<std::int16_t> read_version(ProtocolReader& r) {
  const auto version = r.read_int<std::int16_t>();
  if (!version || *version < 0) return std::nullopt;
  return version;
}

// The fields after `topics` and `user_data`, each present from the version that added it.
bool read_subscription_tail(ProtocolReader& r, std::int16_t version, Subscription& out) {
  if (version >= 1) {
    auto owned = r.read_topic_partitions();
    if (!owned) return false;
    out.owned_partitions = std::move(*owned);
  }
  if (version >= 2) {
    const auto generation = r.read_int<std::int32_t>();
    if (!generation) return false;
    out.generation_id = *generation;
  }
  if (version >= 3) {
    auto rack = r.read_string(/*nullable=*/true);
    if (!rack) return false;
    out.rack_id = std::move(*rack);
  }
  return true;
}

}  // namespace

Bytes encode_subscription(const Subscription& subscription) {
  Bytes out;
  append_be<std::int16_t>(out, kSubscriptionVersion);
  append_count(out, subscription.topics.size());
  for (const std::string& topic : subscription.topics) append_string(out, topic);
  append_bytes(out, subscription.user_data);
  append_topic_partitions(out, subscription.owned_partitions);
  append_be<std::int32_t>(out, subscription.generation_id);
  append_nullable_string(out, subscription.rack_id);
  return out;
}

sim::Result<Subscription, ErrorCode> decode_subscription(const Bytes& bytes) {
  ProtocolReader r(bytes);
  const auto version = read_version(r);
  if (!version) return Err(kMalformed);
  Subscription out;
  const auto topics = r.read_count(kMinStringBytes);
  if (!topics) return Err(kMalformed);
  for (std::size_t i = 0; i < *topics; ++i) {
    auto topic = r.read_topic();
    if (!topic) return Err(kMalformed);
    out.topics.push_back(std::move(*topic));
  }
  auto user_data = r.read_bytes();
  if (!user_data) return Err(kMalformed);
  out.user_data = std::move(*user_data);
  if (!read_subscription_tail(r, *version, out)) return Err(kMalformed);
  if (!r.finished(*version, kSubscriptionVersion)) return Err(kMalformed);
  return out;
}

Bytes encode_assignment(const Assignment& assignment) {
  Bytes out;
  append_be<std::int16_t>(out, kAssignmentVersion);
  append_topic_partitions(out, assignment.partitions);
  append_bytes(out, assignment.user_data);
  return out;
}

sim::Result<Assignment, ErrorCode> decode_assignment(const Bytes& bytes) {
  ProtocolReader r(bytes);
  const auto version = read_version(r);
  if (!version) return Err(kMalformed);
  Assignment out;
  auto partitions = r.read_topic_partitions();
  if (!partitions) return Err(kMalformed);
  out.partitions = std::move(*partitions);
  auto user_data = r.read_bytes();
  if (!user_data) return Err(kMalformed);
  out.user_data = std::move(*user_data);
  if (!r.finished(*version, kAssignmentVersion)) return Err(kMalformed);
  return out;
}

}  // namespace samsa::cluster
