#include "properties/observed_violation.h"

namespace samsa::properties {

std::int64_t ms_of(sim::SimTime t) {
  return sim::to_ms(t - sim::kSimStart);
}

Violation violation(const Observations& observations, std::string_view property, std::string detail,
                    sim::SimTime at) {
  const std::string fault = observations.fault_before(at);
  if (!fault.empty()) detail += "; after " + fault;
  return Violation{std::string(property), std::move(detail), at};
}

}  // namespace samsa::properties
