// Per-fiber C++ exception state. The C++ runtime keeps "exceptions being handled" and
// "exceptions in flight" (std::uncaught_exceptions) per OS thread, and Boost.Context does
// not switch them with the stack. Without this a fiber that resumes while another is
// unwinding sees that fiber's exception as its own — and a crashed node's fiber, which
// must throw FiberKilled at its next wait unless it is itself unwinding, would go on
// running. The scheduler saves the running fiber's state and restores the next one's at
// every switch (as folly's fibers do).
#pragma once

#include <cstdint>

namespace samsa::sim {

// The layout of the Itanium C++ ABI's __cxa_eh_globals (libstdc++ and libc++abi).
struct ExceptionState {
  void* caught_exceptions = nullptr;
  unsigned int uncaught_exceptions = 0;
};

// Saves the calling thread's exception state into `save` and installs `load`.
void switch_exception_state(ExceptionState& save, const ExceptionState& load) noexcept;

}  // namespace samsa::sim
