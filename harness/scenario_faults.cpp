// [faults.random] and [[faults.script]] of a scenario file (scenario_sections.h).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <string>

#include "harness/scenario_sections.h"

namespace samsa::harness::scenario_detail {

namespace {

using properties::FaultKind;
using properties::FaultStep;
using properties::kPlanLimits;
using properties::NodeRef;
using properties::NodeRole;

constexpr std::int64_t kMaxClockOffsetMs = 86'400'000;  // a day either way
constexpr std::int64_t kMaxWeight = 100;                // plan_gen.cpp repeats a kind weight times

struct RoleName {
  NodeRole role;
  std::string_view name;
  int first;  // consumers count from 0, servers from 1 (as in logs and traces)
};
constexpr std::array<RoleName, 3> kRoles{{{NodeRole::kBroker, "broker", 1},
                                          {NodeRole::kController, "controller", 1},
                                          {NodeRole::kConsumer, "consumer", 0}}};

const RoleName* role_named(std::string_view name) {
  for (const RoleName& role : kRoles) {
    if (role.name == name) return &role;
  }
  return nullptr;
}

std::string all_kind_names() {
  std::vector<std::string_view> names;
  for (FaultKind kind : properties::all_fault_kinds()) names.push_back(fault_kind_name(kind));
  return fmt::format("{}", fmt::join(names, ", "));
}

std::optional<FaultKind> kind_named(const Fields& fields, std::string_view key, Position at,
                                    const std::string& name) {
  const std::optional<FaultKind> kind = properties::fault_kind_from_name(name);
  if (!kind) {
    fields.fail_at(at, key,
                   fmt::format("unknown fault kind \"{}\": one of {}", name, all_kind_names()));
  }
  return kind;
}

// "broker-2" -> {kBroker, 1}: the node must exist in the scenario's cluster.
std::optional<NodeRef> read_node(Fields& step, FaultKind kind, const properties::RunPlan& plan) {
  std::string text;
  if (!step.require("node") || !step.read_string("node", text)) return std::nullopt;
  const std::size_t dash = text.rfind('-');
  const RoleName* role = dash == std::string::npos ? nullptr : role_named(text.substr(0, dash));
  int number = -1;
  const char* digits = text.data() + (dash == std::string::npos ? 0 : dash + 1);
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(digits, end, number);
  if (role == nullptr || error != std::errc{} || stop != end || digits == end || *digits == '+') {
    step.fail("node",
              fmt::format("\"{}\" is not a node name: broker-N, controller-N or consumer-N", text));
    return std::nullopt;
  }
  const int count = role_count(plan, role->role);
  if (number < role->first || number >= role->first + count) {
    step.fail(
        "node",
        fmt::format("{} does not exist: the scenario has {} {} node(s){}", text, count, role->name,
                    count == 0 ? ""
                               : fmt::format(", {}-{} .. {}-{}", role->name, role->first,
                                             role->name, role->first + count - 1)));
    return std::nullopt;
  }
  if (kind == FaultKind::kPartition && role->role == NodeRole::kConsumer) {
    step.fail("node", "partition splits brokers and controllers: name a broker-N or controller-N");
    return std::nullopt;
  }
  return NodeRef{role->role, number - role->first};
}

// offset_ms (clock-skew) or drop_per_mille (lossy-network): required by its kind, an error
// on any other.
bool read_amount(Fields& step, FaultKind kind, FaultStep& out) {
  const bool skew = kind == FaultKind::kClockSkew;
  const bool lossy = kind == FaultKind::kLossyNetwork;
  for (const auto& [name, wanted] :
       {std::pair{"offset_ms", skew}, std::pair{"drop_per_mille", lossy}}) {
    if (!wanted && step.has(name)) {
      step.fail(name, fmt::format("{} takes no {}", fault_kind_name(kind), name));
      return false;
    }
  }
  if (skew)
    return step.require("offset_ms") &&
           step.read_int("offset_ms", -kMaxClockOffsetMs, kMaxClockOffsetMs, out.amount);
  if (lossy)
    return step.require("drop_per_mille") && step.read_int("drop_per_mille", 1, 1000, out.amount);
  return true;
}

// at_ms and duration_ms: the step starts and heals inside the safety phase.
bool read_times(Fields& step, const properties::RunPlan& plan, FaultStep& out) {
  if (!step.read_ms("at_ms", 0, kMaxPhaseMs, out.at) ||
      !step.read_ms("duration_ms", 0, kMaxPhaseMs, out.duration)) {
    return false;
  }
  const std::int64_t safety_ms = sim::to_ms(plan.safety);
  if (out.at > plan.safety) {
    step.fail("at_ms",
              fmt::format("{} is past run.duration_ms = {}", sim::to_ms(out.at), safety_ms));
    return false;
  }
  if (out.at + out.duration > plan.safety) {
    step.fail("duration_ms",
              fmt::format("the fault would heal at {} ms, past run.duration_ms = {}: every fault "
                          "heals within the safety phase",
                          sim::to_ms(out.at + out.duration), safety_ms));
    return false;
  }
  return true;
}

std::optional<FaultStep> read_step(Fields& step, const properties::RunPlan& plan) {
  step.declare({"at_ms", "action", "node", "duration_ms", "offset_ms", "drop_per_mille"});
  bool complete = true;  // every missing key is reported, the earliest wins
  for (std::string_view name : {"at_ms", "action", "duration_ms"}) {
    complete = step.require(name) && complete;
  }
  std::string action;
  if (!complete || !step.read_string("action", action)) return std::nullopt;
  const std::optional<FaultKind> kind = kind_named(step, "action", step.at("action"), action);
  if (!kind) return std::nullopt;
  FaultStep out;
  out.kind = *kind;
  if (!read_times(step, plan, out)) return std::nullopt;
  if (*kind == FaultKind::kLossyNetwork) {
    if (step.has("node")) {
      step.fail("node", "lossy-network hits every link and takes no node");
      return std::nullopt;
    }
    out.target = NodeRef{NodeRole::kBroker, 0};
  } else {
    const std::optional<NodeRef> target = read_node(step, *kind, plan);
    if (!target) return std::nullopt;
    out.target = *target;
  }
  if (!read_amount(step, *kind, out)) return std::nullopt;
  return out;
}

void read_script(ScenarioFields& f, properties::RunPlan& plan) {
  if (f.script.size() > kPlanLimits.max_faults) {
    f.faults.fail("script",
                  fmt::format("{} steps: at most {}", f.script.size(), kPlanLimits.max_faults));
    return;
  }
  for (Fields& step : f.script) {
    if (auto fault = read_step(step, plan)) plan.faults.push_back(*fault);
  }
  std::stable_sort(plan.faults.begin(), plan.faults.end(),
                   [](const FaultStep& a, const FaultStep& b) { return a.at < b.at; });
}

void read_kinds(Fields& random, RandomFaults& out) {
  if (!random.require("kinds")) return;
  const auto items = random.read_strings("kinds");
  if (!items) return;
  if (items->empty()) random.fail("kinds", "needs at least one fault kind");
  for (const StringItem& item : *items) {
    const std::optional<FaultKind> kind = kind_named(random, "kinds", item.at, item.value);
    if (!kind) return;
    out.kinds.push_back(*kind);
  }
}

// weights: kind -> int >= 1, one for every kind in kinds (parallel to out.kinds).
void read_weights(Fields& random, Fields& weights, RandomFaults& out) {
  if (!weights.present()) return;
  std::vector<int> by_kind(out.kinds.size(), 0);
  bool ok = true;
  for (const std::string& name : weights.names()) {
    const std::optional<FaultKind> kind = kind_named(weights, name, weights.at(name), name);
    const auto it = kind ? std::find(out.kinds.begin(), out.kinds.end(), *kind) : out.kinds.end();
    if (kind && it == out.kinds.end()) {
      weights.fail(name, fmt::format("{} is not in faults.random.kinds", name));
    }
    weights.declare({name});
    ok = it != out.kinds.end() &&
         weights.read(name, 1, kMaxWeight,
                      by_kind[static_cast<std::size_t>(it - out.kinds.begin())]) &&
         ok;
  }
  if (!ok) return;
  for (std::size_t k = 0; k < out.kinds.size(); ++k) {
    if (by_kind[k] == 0) {
      random.fail("weights", fmt::format("no weight for {}: give every kind in kinds a weight",
                                         fault_kind_name(out.kinds[k])));
      return;
    }
  }
  out.weights = std::move(by_kind);
}

void read_targets(Fields& random, RandomFaults& out) {
  const auto items = random.read_strings("targets");
  if (!items) return;
  if (items->empty()) random.fail("targets", "needs at least one role");
  std::vector<NodeRole> roles;
  for (const StringItem& item : *items) {
    const RoleName* role = role_named(item.value);
    if (role == nullptr) {
      random.fail_at(
          item.at, "targets",
          fmt::format("\"{}\" is not a role: broker, controller or consumer", item.value));
      return;
    }
    roles.push_back(role->role);
  }
  out.targets = std::move(roles);
}

void read_random(ScenarioFields& f, Scenario& scenario) {
  if (!f.faults_random.present()) return;
  RandomFaults random;
  read_kinds(f.faults_random, random);
  read_weights(f.faults_random, f.weights, random);
  f.faults_random.read("max_faults", 1, static_cast<std::int64_t>(kPlanLimits.max_faults),
                       random.max_faults);
  f.faults_random.read_ms("max_duration_ms", 100, kMaxPhaseMs, random.max_duration);
  read_targets(f.faults_random, random);
  f.faults_random.read_bool("vary_shape", random.vary_shape);
  if (f.script.size() + random.max_faults > kPlanLimits.max_faults) {
    f.faults_random.fail("max_faults",
                         fmt::format("{} script steps + max_faults = {} exceeds {} faults per run",
                                     f.script.size(), random.max_faults, kPlanLimits.max_faults));
  }
  scenario.random = std::move(random);
}

}  // namespace

void read_faults(ScenarioFields& fields, Scenario& scenario) {
  read_script(fields, scenario.base);
  read_random(fields, scenario);
}

}  // namespace samsa::harness::scenario_detail
