#include "sim/assert.h"

#include <fmt/format.h>

#include <string_view>

namespace samsa::sim {

namespace {
// Only the file's base name: the absolute source path differs between checkouts.
std::string_view base_name(const char* file) {
  std::string_view path(file);
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}
}  // namespace

void assertion_failed(const char* expr, const std::string& message, const char* file, int line) {
  throw InvariantViolation(
      fmt::format("assertion `{}` failed at {}:{}: {}", expr, base_name(file), line, message));
}

}  // namespace samsa::sim
