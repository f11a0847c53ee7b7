#include "cluster/controller/metadata_records.h"

#include <fmt/format.h>

#include <limits>

#include "cluster/controller/overloaded.h"

namespace samsa::cluster::controller {
namespace {

// The leading type byte of each record; the second byte is its version.
enum class RecordType : std::uint8_t {
  kRegisterBroker = 1,
  kBrokerRegistrationChange = 2,
  kTopic = 3,
  kPartition = 4,
  kPartitionChange = 5,
  kProducerIds = 6,
};
constexpr std::uint8_t kRecordVersion = 0;

// --- Writing ---

class Writer {
 public:
  Writer(RecordType type) {  // NOLINT: the header of every record
    out_.push_back(static_cast<std::uint8_t>(type));
    out_.push_back(kRecordVersion);
  }
  Writer& i32(std::int32_t v) {
    append_varint(out_, v);
    return *this;
  }
  Writer& i64(std::int64_t v) {
    append_varlong(out_, v);
    return *this;
  }
  template <class Tag, class Rep>
  Writer& q(Quantity<Tag, Rep> v) {
    if constexpr (sizeof(Rep) <= 4) {
      return i32(v.value());
    } else {
      return i64(v.value());
    }
  }
  Writer& flag(bool b) {
    out_.push_back(b ? 1 : 0);
    return *this;
  }
  Writer& str(const std::string& s) {
    i32(static_cast<std::int32_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }
  Writer& ids(const std::vector<BrokerId>& list) {
    i32(static_cast<std::int32_t>(list.size()));
    for (BrokerId id : list) q(id);
    return *this;
  }
  Writer& tp(const TopicPartition& tp) { return str(tp.topic).q(tp.partition); }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

// --- Reading: each read returns a value or latches the first error ---

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes), in_(bytes) {}

  std::optional<RecordDecodeError> error() const { return error_; }
  bool at_end() const { return in_.remaining() == 0; }

  std::int32_t i32() {
    if (error_) return 0;
    if (auto v = in_.read_varint()) return *v;
    fail_number(kMaxVarintBytes);
    return 0;
  }
  std::int64_t i64() {
    if (error_) return 0;
    if (auto v = in_.read_varlong()) return *v;
    fail_number(kMaxVarlongBytes);
    return 0;
  }
  template <class Q>
  Q q() {
    using Rep = typename Q::rep_type;
    if constexpr (sizeof(Rep) <= 4) {
      const std::int32_t v = i32();
      if (v < std::numeric_limits<Rep>::min() || v > std::numeric_limits<Rep>::max()) {
        fail(RecordDecodeError::kInvalidField);
      }
      return Q(static_cast<Rep>(v));
    } else {
      return Q(i64());
    }
  }
  bool flag() {
    if (error_) return false;
    const auto b = in_.read_int8();
    if (!b || (*b != 0 && *b != 1)) {
      fail(b ? RecordDecodeError::kInvalidField : RecordDecodeError::kTruncated);
      return false;
    }
    return *b == 1;
  }
  std::string str() {
    const std::size_t n = count(kMaxRecordStringBytes);
    if (error_) return {};
    const auto view = in_.read_bytes(n);
    SAMSA_ASSERT(view.has_value(), "count() checked that the bytes are there");
    return std::string(view->begin(), view->end());
  }
  std::vector<BrokerId> ids() {
    const std::size_t n = count(kMaxRecordBrokerList);
    std::vector<BrokerId> list;
    for (std::size_t i = 0; i < n && !error_; ++i) list.push_back(q<BrokerId>());
    return list;
  }
  TopicPartition tp() {
    TopicPartition result;
    result.topic = str();
    result.partition = q<PartitionIndex>();
    return result;
  }
  sim::NodeId node() {
    const std::int64_t v = i64();
    if (v < 0 || v > std::numeric_limits<sim::NodeId::rep_type>::max()) {
      fail(RecordDecodeError::kInvalidField);
      return sim::NodeId();
    }
    return sim::NodeId(static_cast<sim::NodeId::rep_type>(v));
  }
  void fail(RecordDecodeError e) {
    if (!error_) error_ = e;
  }

 private:
  // A count of items that each take at least one byte: more than remain is a truncation,
  // more than `max` (or negative) a bad field.
  std::size_t count(std::size_t max) {
    const std::int32_t n = i32();
    if (error_) return 0;
    if (n < 0 || static_cast<std::size_t>(n) > max) {
      fail(RecordDecodeError::kInvalidField);
      return 0;
    }
    if (static_cast<std::size_t>(n) > in_.remaining()) {
      fail(RecordDecodeError::kTruncated);
      return 0;
    }
    return static_cast<std::size_t>(n);
  }
  // A varint that did not parse: truncated when the input ends inside it (every byte
  // left continues and there are fewer than the maximum), malformed otherwise.
  void fail_number(std::size_t max_bytes) {
    const std::size_t pos = in_.position();
    const std::size_t left = bytes_.size() - pos;
    bool all_continue = true;
    for (std::size_t i = 0; i < left && i < max_bytes; ++i) {
      all_continue = all_continue && (bytes_[pos + i] & 0x80) != 0;
    }
    fail(all_continue && left < max_bytes ? RecordDecodeError::kTruncated
                                          : RecordDecodeError::kInvalidField);
  }

  std::span<const std::uint8_t> bytes_;
  ByteReader in_;
  std::optional<RecordDecodeError> error_;
};

template <class T>
std::optional<T> read_optional(Reader& in, T (Reader::*read)()) {
  if (!in.flag()) return std::nullopt;
  return (in.*read)();
}

MetadataRecord read_fields(RecordType type, Reader& in) {
  switch (type) {
    case RecordType::kRegisterBroker: {
      RegisterBrokerRecord r;
      r.broker_id = in.q<BrokerId>();
      r.node = in.node();
      r.broker_epoch = in.q<BrokerEpoch>();
      r.incarnation = static_cast<std::uint64_t>(in.i64());
      return r;
    }
    case RecordType::kBrokerRegistrationChange: {
      BrokerRegistrationChangeRecord r;
      r.broker_id = in.q<BrokerId>();
      r.broker_epoch = in.q<BrokerEpoch>();
      r.fenced = read_optional(in, &Reader::flag);
      r.in_controlled_shutdown = read_optional(in, &Reader::flag);
      return r;
    }
    case RecordType::kTopic: {
      TopicRecord r;
      r.name = in.str();
      r.unclean_leader_election_enable = in.flag();
      return r;
    }
    case RecordType::kPartition: {
      PartitionRecord r;
      r.tp = in.tp();
      r.replicas = in.ids();
      r.isr = in.ids();
      r.leader = in.q<BrokerId>();
      r.leader_epoch = in.q<LeaderEpoch>();
      r.partition_epoch = in.q<PartitionEpoch>();
      return r;
    }
    case RecordType::kPartitionChange: {
      PartitionChangeRecord r;
      r.tp = in.tp();
      r.isr = read_optional(in, &Reader::ids);
      r.leader = read_optional(in, &Reader::q<BrokerId>);
      return r;
    }
    case RecordType::kProducerIds: {
      ProducerIdsRecord r;
      r.broker_id = in.q<BrokerId>();
      r.broker_epoch = in.q<BrokerEpoch>();
      r.next_producer_id = in.i64();
      return r;
    }
  }
  SAMSA_ASSERT(false, "read_fields: a type the caller did not check");
  return TopicRecord{};
}

bool ids_ok(const std::vector<BrokerId>& ids) {
  if (ids.size() > kMaxRecordBrokerList) return false;
  for (BrokerId id : ids) {
    if (id < BrokerId(0)) return false;
  }
  return true;
}
bool name_ok(const std::string& name) {
  return !name.empty() && name.size() <= kMaxRecordStringBytes;
}
bool tp_ok(const TopicPartition& tp) {
  return name_ok(tp.topic) && tp.partition >= PartitionIndex(0);
}

std::string join_ids(const std::vector<BrokerId>& ids) {
  std::string text = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    text += fmt::format("{}{}", i == 0 ? "" : ",", ids[i]);
  }
  return text + "]";
}

std::string optional_flag(std::string_view name, const std::optional<bool>& value) {
  return value ? fmt::format(" {}={}", name, *value) : std::string();
}

}  // namespace

std::string_view record_decode_error_name(RecordDecodeError error) {
  switch (error) {
    case RecordDecodeError::kTruncated:
      return "truncated";
    case RecordDecodeError::kUnknownType:
      return "unknown record type";
    case RecordDecodeError::kUnsupportedVersion:
      return "unsupported record version";
    case RecordDecodeError::kInvalidField:
      return "invalid field";
    case RecordDecodeError::kTrailingBytes:
      return "trailing bytes";
  }
  return "unknown decode error";
}

bool is_well_formed(const MetadataRecord& record) {
  return std::visit(Overloaded{
                        [](const RegisterBrokerRecord& r) {
                          return r.broker_id >= BrokerId(0) && r.broker_epoch >= BrokerEpoch(0);
                        },
                        [](const BrokerRegistrationChangeRecord& r) {
                          return r.broker_id >= BrokerId(0) && r.broker_epoch >= BrokerEpoch(0);
                        },
                        [](const TopicRecord& r) { return name_ok(r.name); },
                        [](const PartitionRecord& r) {
                          return tp_ok(r.tp) && ids_ok(r.replicas) && ids_ok(r.isr) &&
                                 r.leader >= kNoLeader && r.leader_epoch >= LeaderEpoch(0) &&
                                 r.partition_epoch >= PartitionEpoch(0);
                        },
                        [](const PartitionChangeRecord& r) {
                          return tp_ok(r.tp) && (!r.isr || ids_ok(*r.isr)) &&
                                 (!r.leader || *r.leader >= kNoLeader);
                        },
                        [](const ProducerIdsRecord& r) {
                          return r.broker_id >= BrokerId(0) && r.broker_epoch >= BrokerEpoch(0) &&
                                 r.next_producer_id > 0;
                        },
                    },
                    record);
}

Bytes encode_record(const MetadataRecord& record) {
  SAMSA_ASSERT(is_well_formed(record),
               fmt::format("encoding a malformed record: {}", describe(record)));
  return std::visit(Overloaded{
                        [](const RegisterBrokerRecord& r) {
                          return Writer(RecordType::kRegisterBroker)
                              .q(r.broker_id)
                              .i64(static_cast<std::int64_t>(r.node.value()))
                              .q(r.broker_epoch)
                              .i64(static_cast<std::int64_t>(r.incarnation))
                              .take();
                        },
                        [](const BrokerRegistrationChangeRecord& r) {
                          Writer w(RecordType::kBrokerRegistrationChange);
                          w.q(r.broker_id).q(r.broker_epoch).flag(r.fenced.has_value());
                          if (r.fenced) w.flag(*r.fenced);
                          w.flag(r.in_controlled_shutdown.has_value());
                          if (r.in_controlled_shutdown) w.flag(*r.in_controlled_shutdown);
                          return w.take();
                        },
                        [](const TopicRecord& r) {
                          return Writer(RecordType::kTopic)
                              .str(r.name)
                              .flag(r.unclean_leader_election_enable)
                              .take();
                        },
                        [](const PartitionRecord& r) {
                          return Writer(RecordType::kPartition)
                              .tp(r.tp)
                              .ids(r.replicas)
                              .ids(r.isr)
                              .q(r.leader)
                              .q(r.leader_epoch)
                              .q(r.partition_epoch)
                              .take();
                        },
                        [](const PartitionChangeRecord& r) {
                          Writer w(RecordType::kPartitionChange);
                          w.tp(r.tp).flag(r.isr.has_value());
                          if (r.isr) w.ids(*r.isr);
                          w.flag(r.leader.has_value());
                          if (r.leader) w.q(*r.leader);
                          return w.take();
                        },
                        [](const ProducerIdsRecord& r) {
                          return Writer(RecordType::kProducerIds)
                              .q(r.broker_id)
                              .q(r.broker_epoch)
                              .i64(r.next_producer_id)
                              .take();
                        },
                    },
                    record);
}

sim::Result<MetadataRecord, RecordDecodeError> decode_record(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 2) return sim::Err(RecordDecodeError::kTruncated);
  const std::uint8_t type = bytes[0];
  if (type < static_cast<std::uint8_t>(RecordType::kRegisterBroker) ||
      type > static_cast<std::uint8_t>(RecordType::kProducerIds)) {
    return sim::Err(RecordDecodeError::kUnknownType);
  }
  if (bytes[1] != kRecordVersion) return sim::Err(RecordDecodeError::kUnsupportedVersion);
  Reader in(bytes.subspan(2));
  MetadataRecord record = read_fields(static_cast<RecordType>(type), in);
  if (auto error = in.error()) return sim::Err(*error);
  if (!in.at_end()) return sim::Err(RecordDecodeError::kTrailingBytes);
  if (!is_well_formed(record)) return sim::Err(RecordDecodeError::kInvalidField);
  return record;
}

std::string describe(const MetadataRecord& record) {
  return std::visit(
      Overloaded{
          [](const RegisterBrokerRecord& r) {
            return fmt::format("RegisterBroker(broker={} node={} epoch={} incarnation={})",
                               r.broker_id, r.node, r.broker_epoch, r.incarnation);
          },
          [](const BrokerRegistrationChangeRecord& r) {
            return fmt::format("BrokerRegistrationChange(broker={} epoch={}{}{})", r.broker_id,
                               r.broker_epoch, optional_flag("fenced", r.fenced),
                               optional_flag("in_controlled_shutdown", r.in_controlled_shutdown));
          },
          [](const TopicRecord& r) {
            return fmt::format("Topic(name={} unclean.leader.election.enable={})", r.name,
                               r.unclean_leader_election_enable);
          },
          [](const PartitionRecord& r) {
            return fmt::format(
                "Partition({} replicas={} isr={} leader={} leader_epoch={} "
                "partition_epoch={})",
                to_string(r.tp), join_ids(r.replicas), join_ids(r.isr), r.leader, r.leader_epoch,
                r.partition_epoch);
          },
          [](const PartitionChangeRecord& r) {
            return fmt::format("PartitionChange({}{}{})", to_string(r.tp),
                               r.isr ? fmt::format(" isr={}", join_ids(*r.isr)) : std::string(),
                               r.leader ? fmt::format(" leader={}", *r.leader) : std::string());
          },
          [](const ProducerIdsRecord& r) {
            return fmt::format("ProducerIds(broker={} epoch={} next_producer_id={})", r.broker_id,
                               r.broker_epoch, r.next_producer_id);
          },
      },
      record);
}

}  // namespace samsa::cluster::controller
