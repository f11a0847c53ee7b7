// Invariant assertions. A broken invariant inside a simulation is a finding, not a crash:
// SAMSA_ASSERT throws InvariantViolation, the kernel catches it at the fiber boundary,
// ends the run with outcome `failed` and records the message, file and line so the
// harness can report it with the seed that reproduces it.
#pragma once

#include <stdexcept>
#include <string>

namespace samsa::sim {

class InvariantViolation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void assertion_failed(const char* expr, const std::string& message, const char* file,
                                   int line);

}  // namespace samsa::sim

#define SAMSA_ASSERT(cond, message)                                                   \
  do {                                                                                \
    if (!(cond)) [[unlikely]]                                                         \
      ::samsa::sim::assertion_failed(#cond, (message), __FILE__, __LINE__);           \
  } while (false)
