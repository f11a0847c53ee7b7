#include "properties/history.h"

#include <fmt/format.h>

#include "sim/assert.h"
#include "sim/random.h"

namespace samsa::properties {

std::string_view op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::kSend:
      return "send";
    case OpKind::kPoll:
      return "poll";
    case OpKind::kCommit:
      return "commit";
    case OpKind::kAssign:
      return "assign";
    case OpKind::kRevoke:
      return "revoke";
    case OpKind::kLose:
      return "lose";
  }
  return "?";
}

std::string_view op_status_name(OpStatus status) {
  switch (status) {
    case OpStatus::kPending:
      return "pending";
    case OpStatus::kOk:
      return "ok";
    case OpStatus::kFail:
      return "fail";
    case OpStatus::kInfo:
      return "info";
  }
  return "?";
}

std::uint64_t History::invoke(std::string process, OpKind kind, sim::SimTime now) {
  Op op;
  op.id = ops_.size();
  op.process = std::move(process);
  op.kind = kind;
  op.invoked_at = now;
  ops_.push_back(std::move(op));
  return ops_.back().id;
}

Op& History::pending(std::uint64_t id) {
  SAMSA_ASSERT(id < ops_.size(), "an operation of this history");
  SAMSA_ASSERT(ops_[id].status == OpStatus::kPending, "a pending operation");
  return ops_[id];
}

void History::complete(std::uint64_t id, OpStatus status, sim::SimTime now) {
  Op& op = pending(id);
  SAMSA_ASSERT(status != OpStatus::kPending, "completion ends an operation");
  SAMSA_ASSERT(now >= op.invoked_at, "an operation completes after its invocation");
  op.status = status;
  op.completed_at = now;
}

Op& History::record(std::string process, OpKind kind, sim::SimTime now) {
  const std::uint64_t id = invoke(std::move(process), kind, now);
  complete(id, OpStatus::kOk, now);
  return ops_[id];
}

void History::close(sim::SimTime now) {
  for (Op& op : ops_) {
    if (op.status != OpStatus::kPending) continue;
    op.status = OpStatus::kInfo;
    op.completed_at = std::max(now, op.invoked_at);
    if (op.detail.empty()) op.detail = "still pending when the run ended";
  }
}

const Op& History::op(std::uint64_t id) const {
  SAMSA_ASSERT(id < ops_.size(), "an operation of this history");
  return ops_[id];
}

HistoryCounts History::counts() const {
  HistoryCounts counts;
  for (const Op& op : ops_) {
    ++counts.by_kind[op.kind][op.status];
    counts.records_read += op.records.size();
  }
  return counts;
}

namespace {

std::uint64_t fold(std::uint64_t h, std::uint64_t v) {
  return sim::mix64(h ^ v) + 0x9e3779b97f4a7c15ULL;
}
std::uint64_t fold_text(std::uint64_t h, std::string_view s) {
  return fold(h, sim::fnv1a64(s));
}
std::uint64_t fold_optional(std::uint64_t h, const std::optional<std::string>& s) {
  return s ? fold_text(fold(h, 1), *s) : fold(h, 0);
}
std::uint64_t fold(std::uint64_t h, const cluster::TopicPartition& tp) {
  return fold(fold_text(h, tp.topic), static_cast<std::uint64_t>(tp.partition.value()));
}

}  // namespace

std::uint64_t History::digest() const {
  std::uint64_t h = sim::fnv1a64("history");
  for (const Op& op : ops_) {
    h = fold(h, op.id);
    h = fold_text(h, op.process);
    h = fold_text(h, op.group);
    h = fold(h, static_cast<std::uint64_t>(op.kind));
    h = fold(h, static_cast<std::uint64_t>(op.status));
    h = fold(h, static_cast<std::uint64_t>(op.invoked_at.time_since_epoch().count()));
    h = fold(h, static_cast<std::uint64_t>(op.completed_at.time_since_epoch().count()));
    h = fold(h, static_cast<std::uint64_t>(static_cast<std::int16_t>(op.error)));
    h = fold(fold_optional(fold_optional(h, op.key), op.value), op.tp);
    h = fold(h, static_cast<std::uint64_t>(op.offset.value()));
    for (const ReadRecord& r : op.records) {
      h = fold_optional(fold(fold(h, r.tp), static_cast<std::uint64_t>(r.offset.value())), r.value);
      h = fold(fold_optional(h, r.key), static_cast<std::uint64_t>(r.leader_epoch.value()));
    }
    for (const auto& [tp, offset] : op.offsets) {
      h = fold(fold(h, tp), static_cast<std::uint64_t>(offset.value()));
    }
    for (const cluster::TopicPartition& tp : op.partitions) h = fold(h, tp);
    h = fold(h, static_cast<std::uint64_t>(op.generation));
  }
  return h;
}

std::string History::describe(const Op& op) const {
  const auto ms = [](sim::SimTime t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  std::string payload;
  switch (op.kind) {
    case OpKind::kSend:
      payload = fmt::format("{} -> {} @{}", op.value.value_or("<null>"), cluster::to_string(op.tp),
                            op.offset);
      break;
    case OpKind::kPoll:
      payload = fmt::format("{} records", op.records.size());
      break;
    case OpKind::kCommit:
      for (const auto& [tp, offset] : op.offsets) {
        payload +=
            fmt::format("{}{}@{}", payload.empty() ? "" : " ", cluster::to_string(tp), offset);
      }
      break;
    case OpKind::kAssign:
    case OpKind::kRevoke:
    case OpKind::kLose:
      for (const cluster::TopicPartition& tp : op.partitions) {
        payload += fmt::format("{}{}", payload.empty() ? "" : " ", cluster::to_string(tp));
      }
      payload += fmt::format(" (generation {})", op.generation);
      break;
  }
  std::string line =
      fmt::format("#{} {} {} {} [{}..{} ms] {}", op.id, op.process, op_kind_name(op.kind),
                  op_status_name(op.status), ms(op.invoked_at), ms(op.completed_at), payload);
  if (op.error != cluster::ErrorCode::kNone)
    line += fmt::format(" {}", cluster::error_name(op.error));
  if (!op.detail.empty()) line += fmt::format(" ({})", op.detail);
  return line;
}

std::optional<std::string> text_of(const std::optional<cluster::Bytes>& bytes) {
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

std::string make_value(std::string_view process, std::string_view key, std::uint64_t n) {
  return fmt::format("{}/{}/{}", process, key, n);
}

std::optional<ValueParts> parse_value(std::string_view value) {
  const std::size_t first = value.find('/');
  const std::size_t last = value.rfind('/');
  if (first == std::string_view::npos || last == first || last + 1 >= value.size())
    return std::nullopt;
  ValueParts parts;
  parts.process = std::string(value.substr(0, first));
  parts.key = std::string(value.substr(first + 1, last - first - 1));
  std::uint64_t n = 0;
  for (const char c : value.substr(last + 1)) {
    if (c < '0' || c > '9' || n > (UINT64_MAX - 9) / 10) return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  parts.n = n;
  return parts;
}

}  // namespace samsa::properties
