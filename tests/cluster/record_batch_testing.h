// Helpers shared by the record batch tests: fixed examples, RapidCheck generators, and
// ways to build batches that are malformed in one chosen respect (with a valid CRC, so that
// decoding gets past the CRC to the check under test).
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/log/crc32c.h"
#include "cluster/log/record_batch.h"

namespace samsa::cluster {

// Lets GoogleTest and RapidCheck print values by name.
inline void PrintTo(DecodeError error, std::ostream* os) {
  *os << decode_error_name(error);
}
inline void showValue(const RecordInput& r, std::ostream& os) {
  auto show = [](const std::optional<Bytes>& b) {
    return b ? std::to_string(b->size()) + " bytes" : std::string("null");
  };
  os << "{ts=" << r.timestamp_ms << " key=" << show(r.key) << " value=" << show(r.value) << "}";
}

namespace batch_test {

namespace f = batch_field;
inline constexpr auto kInt64Max = std::numeric_limits<std::int64_t>::max();
inline constexpr auto kInt64Min = std::numeric_limits<std::int64_t>::min();

inline Bytes bytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

inline std::vector<Record> expected_records(const std::vector<RecordInput>& inputs, Offset base) {
  std::vector<Record> out;
  for (const auto& in : inputs) out.push_back(Record{base, in.timestamp_ms, in.key, in.value});
  for (std::size_t i = 0; i < out.size(); ++i) out[i].offset = base + static_cast<std::int64_t>(i);
  return out;
}

// The view borrows `batch`, so the caller must keep it alive (no temporaries).
inline BatchView parse_ok(const Bytes& batch) {
  auto view = BatchView::parse(batch);
  SAMSA_ASSERT(view.ok(), "expected a valid batch");
  return view.value();
}
BatchView parse_ok(const Bytes&& batch) = delete;

inline std::optional<DecodeError> parse_error(std::span<const std::uint8_t> batch) {
  auto view = BatchView::parse(batch);
  if (view) return std::nullopt;
  return view.error();
}

// Recomputes batch_length and the CRC after a test edits a batch, so that decoding gets
// past the CRC to the check under test.
inline void reseal(Bytes& batch) {
  store_be<std::int32_t>(batch, f::kBatchLength,
                         static_cast<std::int32_t>(batch.size() - kBatchLogOverheadBytes));
  store_be<std::uint32_t>(batch, f::kCrc,
                          crc32c(std::span<const std::uint8_t>(batch).subspan(f::kAttributes)));
}

// A valid batch's header followed by `area` as its records, with `count` records claimed.
inline Bytes with_records_area(const Bytes& area, std::int32_t count,
                               std::int32_t last_offset_delta) {
  Bytes batch = encode_batch(std::vector<RecordInput>{{0, std::nullopt, bytes("v")}});
  batch.resize(kBatchHeaderBytes);
  batch.insert(batch.end(), area.begin(), area.end());
  store_be<std::int32_t>(batch, f::kRecordCount, count);
  store_be<std::int32_t>(batch, f::kLastOffsetDelta, last_offset_delta);
  reseal(batch);
  return batch;
}

// One record's bytes: length | attributes | ts delta | offset delta | key | value | headers.
inline Bytes raw_record(std::int32_t offset_delta, std::int32_t key_length,
                        std::int32_t headers = 0) {
  Bytes body{0};
  append_varlong(body, 0);
  append_varint(body, offset_delta);
  append_varint(body, key_length);
  for (std::int32_t i = 0; i < key_length; ++i) body.push_back('k');
  append_varint(body, -1);
  append_varint(body, headers);
  Bytes out;
  append_varint(out, static_cast<std::int32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

inline const std::vector<RecordInput> kExample = {
    {1000, bytes("k1"), bytes("v1")},
    {900, std::nullopt, bytes("no key")},  // earlier than the base: a negative delta
    {1200, bytes("k1"), std::nullopt},     // a tombstone
    {1100, bytes(""), bytes("")},          // empty, not null
};

inline Bytes concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline rc::Gen<std::optional<Bytes>> gen_nullable_bytes() {
  return rc::gen::oneOf(rc::gen::just(std::optional<Bytes>()),
                        rc::gen::map(rc::gen::arbitrary<Bytes>(),
                                     [](Bytes b) { return std::optional<Bytes>(std::move(b)); }));
}

inline rc::Gen<std::vector<RecordInput>> gen_records() {
  auto record = rc::gen::build<RecordInput>(
      rc::gen::set(&RecordInput::timestamp_ms,
                   rc::gen::inRange<std::int64_t>(-1, std::int64_t{1} << 45)),
      rc::gen::set(&RecordInput::key, gen_nullable_bytes()),
      rc::gen::set(&RecordInput::value, gen_nullable_bytes()));
  return rc::gen::nonEmpty(rc::gen::container<std::vector<RecordInput>>(record));
}

inline rc::Gen<Offset> gen_base_offset() {
  return rc::gen::map(rc::gen::inRange<std::int64_t>(0, std::int64_t{1} << 62),
                      [](std::int64_t v) { return Offset(v); });
}

}  // namespace batch_test
}  // namespace samsa::cluster
