#include "cli/failure_file.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "cli/run_output.h"
#include "cli/scenario_arg.h"

namespace samsa::cli {

namespace {

using Json = nlohmann::json;

// The field `key` of `object` as a T, or an error naming it.
template <class T>
sim::Result<T, std::string> field(const Json& object, const char* key, Json::value_t type) {
  const auto it = object.find(key);
  if (it == object.end()) return sim::Err(fmt::format("missing field \"{}\"", key));
  const bool same =
      it->type() == type || (type == Json::value_t::number_unsigned && it->is_number_unsigned());
  if (!same)
    return sim::Err(fmt::format("field \"{}\" has the wrong type ({})", key, it->type_name()));
  return it->get<T>();
}

sim::Result<std::vector<properties::Violation>, std::string> violations_field(const Json& object) {
  auto list = field<Json>(object, "violations", Json::value_t::array);
  if (!list.ok()) return sim::Err(list.error());
  std::vector<properties::Violation> violations;
  for (const Json& item : list.value()) {
    if (!item.is_object())
      return sim::Err(std::string("field \"violations\": an item is not an object"));
    auto property = field<std::string>(item, "property", Json::value_t::string);
    auto detail = field<std::string>(item, "detail", Json::value_t::string);
    if (!property.ok()) return sim::Err("field \"violations\": " + property.error());
    if (!detail.ok()) return sim::Err("field \"violations\": " + detail.error());
    properties::Violation v{property.value(), detail.value(), {}};
    if (item.contains("at_ms") && item["at_ms"].is_number_integer()) {
      v.at = sim::SimTime{std::chrono::milliseconds(item["at_ms"].get<std::int64_t>())};
    }
    violations.push_back(std::move(v));
  }
  return violations;
}

sim::Result<FailureRecord, std::string> parse_record(const Json& json) {
  if (!json.is_object()) return sim::Err(std::string("not a JSON object"));
  FailureRecord r;
  auto scenario = field<std::string>(json, "scenario", Json::value_t::string);
  auto text = field<std::string>(json, "scenario_text", Json::value_t::string);
  auto seed = field<std::uint64_t>(json, "seed", Json::value_t::number_unsigned);
  auto bugs = field<std::vector<std::string>>(json, "bugs", Json::value_t::array);
  auto hash = field<std::string>(json, "trace_hash", Json::value_t::string);
  for (const std::string* error :
       {scenario.ok() ? nullptr : &scenario.error(), text.ok() ? nullptr : &text.error(),
        seed.ok() ? nullptr : &seed.error(), hash.ok() ? nullptr : &hash.error()}) {
    if (error != nullptr) return sim::Err(*error);
  }
  if (!bugs.ok()) return sim::Err(bugs.error());
  for (const Json& bug : json["bugs"]) {
    if (!bug.is_string())
      return sim::Err(std::string("field \"bugs\": every item must be a string"));
  }
  auto violations = violations_field(json);
  if (!violations.ok()) return sim::Err(violations.error());
  r.scenario = scenario.value();
  r.scenario_text = text.value();
  r.seed = seed.value();
  r.bugs = bugs.value();
  r.trace_hash = hash.value();
  r.violations = violations.value();
  if (json.contains("plan") && json["plan"].is_string()) r.plan = json["plan"].get<std::string>();
  return r;
}

}  // namespace

std::string failure_path(const std::string& out_dir, std::uint64_t seed) {
  return (std::filesystem::path(out_dir) / "failures" / fmt::format("{}.json", seed)).string();
}

nlohmann::json failure_json(const FailureRecord& record, const std::string& path) {
  return {{"scenario", record.scenario},
          {"scenario_text", record.scenario_text},
          {"seed", record.seed},
          {"bugs", record.bugs},
          {"violations", violations_json(record.violations, true)},
          {"trace_hash", record.trace_hash},
          {"plan", record.plan},
          {"replay", "samsa replay " + shell_word(path)},
          {"run", run_command(record.scenario, record.seed, record.bugs)}};
}

bool write_failure_file(const FailureRecord& record, const std::string& path, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream out(path);
  out << failure_json(record, path).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
      << "\n";
  out.close();
  if (!out) {
    error = fmt::format("cannot write {}", path);
    return false;
  }
  return true;
}

sim::Result<FailureRecord, std::string> read_failure_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return sim::Err(fmt::format("{}: cannot read the file", path));
  const Json json = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return sim::Err(fmt::format("{}: not valid JSON", path));
  auto record = parse_record(json);
  if (!record.ok()) return sim::Err(fmt::format("{}: {}", path, record.error()));
  return std::move(record).value();
}

}  // namespace samsa::cli
