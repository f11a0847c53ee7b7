// The reading side of scenario files (docs/scenario-format.md): a Fields is one TOML table
// seen as a list of names, each with the position of its key, and typed readers that check
// type and range. Kafka's config keys (`min.insync.replicas`) are paths of nested tables
// in TOML, so a table that holds them is flattened back into dotted names: the bare and the
// quoted spelling read the same. Every reader records its error into one shared
// Diagnostics; finish() reports every name that no reader asked for as an unknown key.
// Only the scenario loader (scenario.cpp, scenario_sections.cpp) uses this.
//
// Invariants: 1. nothing here throws or crashes, whatever the TOML tree holds; 2. a reader
// leaves its output untouched unless the value is present, of the right type and in range;
// 3. Diagnostics keeps the earliest error in the file (errors about the whole file, at
// line 0, come after every positioned one).
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario.h"
#include "sim/time.h"

namespace samsa::harness::scenario_detail {

struct Position {
  int line = 0;  // 1-based; 0: the whole file
  int column = 0;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}
  void fail(Position at, std::string key, std::string message);
  bool failed() const { return error_.has_value(); }
  const ScenarioError& error() const;

 private:
  std::string file_;
  std::optional<ScenarioError> error_;
};

// One string of a string array, where it stands.
struct StringItem {
  std::string value;
  Position at;
};

class Fields {
 public:
  // An absent table: no names, present() false.
  Fields(std::string path, Diagnostics& diagnostics);
  // `flatten`: nested tables become dotted names (Kafka config keys), except the tables
  // named in `keep` directly under this one ([cluster.network] inside [cluster]).
  Fields(const toml::table& table, std::string path, bool flatten, Position at,
         Diagnostics& diagnostics, std::vector<std::string> keep = {});

  bool present() const { return present_; }
  bool has(std::string_view name) const { return find(name) != nullptr; }
  // The key's position; the table's own when the name is absent.
  Position at(std::string_view name) const;
  Position at() const { return at_; }
  // The dotted path of `name` in the file ("topic.min.insync.replicas").
  std::string key(std::string_view name) const;
  const std::string& path() const { return path_; }
  // Every name in the table, sorted (toml++ keeps a table's keys sorted).
  std::vector<std::string> names() const;
  // Whether `name` holds a string (for keys that take a word or a number, like acks).
  bool holds_string(std::string_view name) const;

  // Records an error at `name` (its key, or the table when absent).
  void fail(std::string_view name, std::string message) const;
  // Records an error about `name` at another place (an element of its array).
  void fail_at(Position at, std::string_view name, std::string message) const;
  // Fails with "missing required key" when `name` is absent; returns whether present.
  bool require(std::string_view name) const;

  // Readers: true when the value was present, well typed and in range (and written).
  bool read_int(std::string_view name, std::int64_t min, std::int64_t max, std::int64_t& out);
  template <class Int>
  bool read(std::string_view name, std::int64_t min, std::int64_t max, Int& out) {
    std::int64_t value = 0;
    if (!read_int(name, min, max, value)) return false;
    out = static_cast<Int>(value);
    return true;
  }
  bool read_bool(std::string_view name, bool& out);
  // An integer is taken as a float too (`drop_probability = 0`).
  bool read_float(std::string_view name, double min, double max, double& out);
  bool read_string(std::string_view name, std::string& out);
  bool read_choice(std::string_view name, std::span<const std::string_view> choices,
                   std::string& out);
  bool read_us(std::string_view name, std::int64_t min_us, std::int64_t max_us, sim::Duration& out);
  bool read_ms(std::string_view name, std::int64_t min_ms, std::int64_t max_ms, sim::Duration& out);
  // An array of strings, without duplicates; nullopt when absent or bad.
  std::optional<std::vector<StringItem>> read_strings(std::string_view name);

  // A sub-table (absent: an empty Fields); a wrong type is an error. `flatten` and `keep`
  // as for the constructor.
  Fields table(std::string_view name, bool flatten = false, std::vector<std::string> keep = {});
  // An array of tables ([[faults.script]]), named "path.name[i]".
  std::vector<Fields> tables(std::string_view name);

  // Marks `names` as known keys of this table even if no reader gets to them (a reader
  // that stops at the first bad key must not make the later ones look unknown).
  void declare(std::initializer_list<std::string_view> names);
  // Reports every name no reader, table() or declare() asked for.
  void finish() const;

 private:
  struct Entry {
    std::string name;
    const toml::node* node = nullptr;
    Position at;
    mutable bool used = false;
  };
  void collect(const toml::table& table, const std::string& prefix, std::optional<Position> first,
               int depth, bool flatten, const std::vector<std::string>& keep);
  const Entry* find(std::string_view name) const;
  // The entry if present and of type T (else a recorded type error and nullptr).
  const Entry* typed(std::string_view name, toml::node_type type, std::string_view expected);

  std::string path_;
  Diagnostics* diagnostics_;
  bool present_ = false;
  Position at_;
  std::vector<Entry> entries_;
  // Every name a reader looked up: the table's known keys, for unknown-key messages.
  mutable std::vector<std::string> known_;
};

Position position_of(const toml::source_region& region);

}  // namespace samsa::harness::scenario_detail
