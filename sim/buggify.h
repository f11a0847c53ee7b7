// Fault points in code under test, after FoundationDB's BUGGIFY. `SAMSA_BUGGIFY` marks a
// place where a rare path may be taken on purpose (a slow fsync, an early timeout, a
// smaller batch). Whether a site is enabled at all is decided once per run from
// (seed, file name, line) — independent of the order sites are reached — and an enabled
// site fires with a small probability drawn from the run's "buggify" stream. With
// buggify off for the run (the default), or outside a simulation, it is always false.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "sim/random.h"

namespace samsa::sim {

struct BuggifyConfig {
  bool enabled = false;
  double site_probability = 0.25;   // a site is enabled for the run with this probability
  double fire_probability = 0.05;   // an enabled site fires with this probability per visit
};

class Buggify {
 public:
  Buggify(std::uint64_t seed, BuggifyConfig config);
  bool enabled() const { return config_.enabled; }
  // Called through SAMSA_BUGGIFY; `file` is reduced to its base name (paths differ
  // between checkouts, the hash must not).
  bool fire(const char* file, int line);
  std::uint64_t fired() const { return fired_; }
  // Sites reached this run and whether each was enabled, ordered by (file, line).
  const std::map<std::pair<std::string, int>, bool>& sites() const { return sites_; }

  // The instance of the simulation running on this thread, or null.
  static Buggify* current();
  static void set_current(Buggify* instance);

 private:
  std::uint64_t seed_;
  BuggifyConfig config_;
  Rng rng_;
  std::uint64_t fired_ = 0;
  std::map<std::pair<std::string, int>, bool> sites_;
};

bool buggify_at(const char* file, int line);

}  // namespace samsa::sim

#define SAMSA_BUGGIFY (::samsa::sim::buggify_at(__FILE__, __LINE__))
