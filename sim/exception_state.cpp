#include "sim/exception_state.h"

#include <cxxabi.h>

#include <cstring>

namespace samsa::sim {

void switch_exception_state(ExceptionState& save, const ExceptionState& load) noexcept {
  auto* globals = reinterpret_cast<ExceptionState*>(abi::__cxa_get_globals());
  save = *globals;
  *globals = load;
}

}  // namespace samsa::sim
