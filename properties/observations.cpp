#include "properties/observations.h"

#include <fmt/format.h>

#include "properties/run_plan.h"

namespace samsa::properties {

std::string Observations::fault_before(sim::SimTime t) const {
  // Injections only: healings ("restart", "heal-all", ...) are not what preceded a finding.
  const FaultEvent* last = nullptr;
  for (const FaultEvent& f : faults) {
    if (f.at > t) break;
    if (fault_kind_from_name(f.kind)) last = &f;
  }
  if (last == nullptr) return "";
  std::string nodes;
  for (const std::string& n : last->nodes) nodes += (nodes.empty() ? "" : ",") + n;
  return fmt::format("{}{}{} at {} ms{}{}", last->kind, nodes.empty() ? "" : " ", nodes,
                     sim::to_ms(last->at - sim::kSimStart), last->detail.empty() ? "" : ", ",
                     last->detail);
}

}  // namespace samsa::properties
