#include "properties/observed_violation.h"

#include <fmt/format.h>

namespace samsa::properties {

std::int64_t ms_of(sim::SimTime t) {
  return sim::to_ms(t - sim::kSimStart);
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
  }
  return out;
}

Violation violation(const Observations& observations, std::string_view property, std::string detail,
                    sim::SimTime at) {
  const std::string fault = observations.fault_before(at);
  if (!fault.empty()) detail += "; after " + fault;
  return Violation{std::string(property), printable(detail), at};
}

}  // namespace samsa::properties
