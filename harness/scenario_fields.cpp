#include "harness/scenario_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>

#include "sim/assert.h"

namespace samsa::harness::scenario_detail {

namespace {

// Deeper nesting inside a flattened table is no Kafka key; it stays one (unknown) name.
constexpr int kMaxFlattenDepth = 8;

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

int clamp_int(std::uint32_t value) {
  return value > static_cast<std::uint32_t>(INT_MAX) ? INT_MAX : static_cast<int>(value);
}

// Sorts unpositioned errors (line 0) after every positioned one.
std::pair<long long, long long> order(const ScenarioError& e) {
  return {e.line == 0 ? LLONG_MAX : e.line, e.column};
}

}  // namespace

Position position_of(const toml::source_region& region) {
  return {clamp_int(region.begin.line), clamp_int(region.begin.column)};
}

void Diagnostics::fail(Position at, std::string key, std::string message) {
  ScenarioError error{file_, at.line, at.column, std::move(key), std::move(message)};
  if (!error_ || order(error) < order(*error_)) error_ = std::move(error);
}

const ScenarioError& Diagnostics::error() const {
  SAMSA_ASSERT(error_.has_value(), "Diagnostics::error() without an error");
  return *error_;
}

Fields::Fields(std::string path, Diagnostics& diagnostics)
    : path_(std::move(path)), diagnostics_(&diagnostics) {}

Fields::Fields(const toml::table& table, std::string path, bool flatten, Position at,
               Diagnostics& diagnostics, std::vector<std::string> keep)
    : path_(std::move(path)), diagnostics_(&diagnostics), present_(true), at_(at) {
  collect(table, "", std::nullopt, 0, flatten, keep);
}

// A dotted name reports the leaf's line and, when the whole name sits on that line, the
// column where the name starts.
void Fields::collect(const toml::table& table, const std::string& prefix,
                     std::optional<Position> first, int depth, bool flatten,
                     const std::vector<std::string>& keep) {
  for (auto&& [key, node] : table) {
    const std::string name = prefix + std::string(key.str());
    const Position key_at = position_of(key.source());
    const Position start = first.value_or(key_at);
    const toml::table* sub = node.as_table();
    const bool kept = depth == 0 && std::find(keep.begin(), keep.end(), name) != keep.end();
    if (flatten && sub != nullptr && depth < kMaxFlattenDepth && !kept) {
      collect(*sub, name + ".", start, depth + 1, flatten, keep);
      continue;
    }
    Position at = key_at;
    if (start.line == key_at.line) at.column = start.column;
    entries_.push_back(Entry{name, &node, at});
  }
}

const Fields::Entry* Fields::find(std::string_view name) const {
  if (std::find(known_.begin(), known_.end(), name) == known_.end()) known_.emplace_back(name);
  for (const Entry& entry : entries_) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

Position Fields::at(std::string_view name) const {
  const Entry* entry = find(name);
  return entry != nullptr ? entry->at : at_;
}

std::string Fields::key(std::string_view name) const {
  if (path_.empty()) return std::string(name);
  if (name.empty()) return path_;
  return path_ + "." + std::string(name);
}

std::vector<std::string> Fields::names() const {
  std::vector<std::string> names;
  for (const Entry& entry : entries_) names.push_back(entry.name);
  return names;
}

bool Fields::holds_string(std::string_view name) const {
  const Entry* entry = find(name);
  return entry != nullptr && entry->node->is_string();
}

void Fields::fail(std::string_view name, std::string message) const {
  diagnostics_->fail(at(name), key(name), std::move(message));
}

void Fields::fail_at(Position where, std::string_view name, std::string message) const {
  diagnostics_->fail(where, key(name), std::move(message));
}

bool Fields::require(std::string_view name) const {
  if (has(name)) return true;
  const std::string where = path_.empty() ? "the file" : "[" + path_ + "]";
  fail(name, fmt::format("required, but missing from {}", where));
  return false;
}

const Fields::Entry* Fields::typed(std::string_view name, toml::node_type type,
                                   std::string_view expected) {
  const Entry* entry = find(name);
  if (entry == nullptr) return nullptr;
  entry->used = true;
  if (entry->node->type() == type) return entry;
  fail(name, fmt::format("expected {}, not {}", expected, type_name(entry->node->type())));
  return nullptr;
}

bool Fields::read_int(std::string_view name, std::int64_t min, std::int64_t max,
                      std::int64_t& out) {
  const Entry* entry = typed(name, toml::node_type::integer, "an integer");
  if (entry == nullptr) return false;
  const std::int64_t value = entry->node->as_integer()->get();
  if (value < min || value > max) {
    fail(name, fmt::format("{} is out of range [{}, {}]", value, min, max));
    return false;
  }
  out = value;
  return true;
}

bool Fields::read_bool(std::string_view name, bool& out) {
  const Entry* entry = typed(name, toml::node_type::boolean, "true or false");
  if (entry == nullptr) return false;
  out = entry->node->as_boolean()->get();
  return true;
}

bool Fields::read_float(std::string_view name, double min, double max, double& out) {
  const Entry* entry = find(name);
  if (entry == nullptr) return false;
  entry->used = true;
  double value = 0;
  if (const auto* i = entry->node->as_integer()) {
    value = static_cast<double>(i->get());
  } else if (const auto* f = entry->node->as_floating_point()) {
    value = f->get();
  } else {
    fail(name, fmt::format("expected a number, not {}", type_name(entry->node->type())));
    return false;
  }
  if (!(value >= min && value <= max)) {
    fail(name, fmt::format("{} is out of range [{}, {}]", value, min, max));
    return false;
  }
  out = value;
  return true;
}

bool Fields::read_string(std::string_view name, std::string& out) {
  const Entry* entry = typed(name, toml::node_type::string, "a string");
  if (entry == nullptr) return false;
  out = entry->node->as_string()->get();
  return true;
}

bool Fields::read_choice(std::string_view name, std::span<const std::string_view> choices,
                         std::string& out) {
  std::string value;
  if (!read_string(name, value)) return false;
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    fail(name, fmt::format("\"{}\" is not one of {}", value, fmt::join(choices, ", ")));
    return false;
  }
  out = std::move(value);
  return true;
}

bool Fields::read_us(std::string_view name, std::int64_t min_us, std::int64_t max_us,
                     sim::Duration& out) {
  std::int64_t us = 0;
  if (!read_int(name, min_us, max_us, us)) return false;
  out = std::chrono::microseconds(us);
  return true;
}

bool Fields::read_ms(std::string_view name, std::int64_t min_ms, std::int64_t max_ms,
                     sim::Duration& out) {
  std::int64_t ms = 0;
  if (!read_int(name, min_ms, max_ms, ms)) return false;
  out = std::chrono::milliseconds(ms);
  return true;
}

std::optional<std::vector<StringItem>> Fields::read_strings(std::string_view name) {
  const Entry* entry = typed(name, toml::node_type::array, "an array of strings");
  if (entry == nullptr) return std::nullopt;
  std::vector<StringItem> items;
  for (const toml::node& element : *entry->node->as_array()) {
    const Position element_at = position_of(element.source());
    const auto* text = element.as_string();
    if (text == nullptr) {
      fail_at(element_at, name, fmt::format("expected strings, not {}", type_name(element.type())));
      return std::nullopt;
    }
    for (const StringItem& seen : items) {
      if (seen.value == text->get()) {
        fail_at(element_at, name, fmt::format("\"{}\" is listed twice", seen.value));
        return std::nullopt;
      }
    }
    items.push_back({text->get(), element_at});
  }
  return items;
}

Fields Fields::table(std::string_view name, bool flatten, std::vector<std::string> keep) {
  const Entry* entry = typed(name, toml::node_type::table, "a table");
  if (entry == nullptr) return Fields(key(name), *diagnostics_);
  return Fields(*entry->node->as_table(), key(name), flatten, position_of(entry->node->source()),
                *diagnostics_, std::move(keep));
}

std::vector<Fields> Fields::tables(std::string_view name) {
  std::vector<Fields> tables;
  const Entry* entry = typed(name, toml::node_type::array, "an array of tables ([[...]])");
  if (entry == nullptr) return tables;
  std::size_t index = 0;
  for (const toml::node& element : *entry->node->as_array()) {
    const std::string path = fmt::format("{}[{}]", key(name), index++);
    const Position element_at = position_of(element.source());
    if (const toml::table* t = element.as_table()) {
      tables.emplace_back(*t, path, false, element_at, *diagnostics_);
    } else {
      diagnostics_->fail(element_at, path,
                         fmt::format("expected a table, not {}", type_name(element.type())));
    }
  }
  return tables;
}

void Fields::declare(std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (const Entry* entry = find(name)) entry->used = true;
  }
}

void Fields::finish() const {
  for (const Entry& entry : entries_) {
    if (entry.used) continue;
    const std::string where = path_.empty() ? "at the top level" : "in [" + path_ + "]";
    const std::string_view what = entry.node->is_table() ? "table" : "key";
    fail(entry.name,
         fmt::format("unknown {} {}; the keys here are {}", what, where, fmt::join(known_, ", ")));
  }
}

}  // namespace samsa::harness::scenario_detail
