#include "sim/buggify.h"

#include <string_view>

#include "sim/kernel.h"

namespace samsa::sim {

namespace {
thread_local Buggify* tls_buggify = nullptr;

std::string_view base_name(const char* file) {
  std::string_view path(file);
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}
}  // namespace

Buggify::Buggify(std::uint64_t seed, BuggifyConfig config)
    : seed_(seed), config_(config), rng_(Rng::stream(seed, "buggify")) {}

Buggify* Buggify::current() { return tls_buggify; }
void Buggify::set_current(Buggify* instance) { tls_buggify = instance; }

bool Buggify::fire(const char* file, int line) {
  if (!config_.enabled) return false;
  const std::string_view name = base_name(file);
  auto [it, inserted] = sites_.try_emplace({std::string(name), line}, false);
  if (inserted) {
    // Keyed by the site alone, so enabling does not depend on which site came first.
    const std::uint64_t h = mix64(seed_ ^ fnv1a64(name) ^ mix64(static_cast<std::uint64_t>(line)));
    it->second = static_cast<double>(h >> 11) * 0x1.0p-53 < config_.site_probability;
  }
  if (!it->second || !rng_.bernoulli(config_.fire_probability)) return false;
  ++fired_;
  if (Kernel* kernel = Kernel::current()) {
    kernel->trace().record(kernel->now(), kernel->current_node(), EventKind::kBuggify,
                           fnv1a64(name) ^ static_cast<std::uint64_t>(line),
                           [&] { return std::string(name) + ":" + std::to_string(line); });
  }
  return true;
}

bool buggify_at(const char* file, int line) {
  Buggify* instance = tls_buggify;
  return instance != nullptr && instance->fire(file, line);
}

}  // namespace samsa::sim
