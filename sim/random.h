// The kernel's random numbers. Every random choice in a simulation comes from an Rng
// derived from (run seed, stream name), never from the standard library's engines or
// distributions (their output differs between library implementations). Streams are
// independent: drawing more numbers from "network" never shifts what "disk" draws, which
// is what lets a shrunk fault schedule keep the rest of a run the same.
//
// Generator: xoshiro256** (Blackman & Vigna), seeded through splitmix64.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "sim/assert.h"
#include "sim/time.h"

namespace samsa::sim {

// 64-bit FNV-1a: stable across builds and platforms (used to name streams and sites).
constexpr std::uint64_t fnv1a64(std::string_view text, std::uint64_t hash = 0xcbf29ce484222325ULL) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// A strong 64-bit finaliser (splitmix64's), used to mix seeds and digests.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  // The stream named `name` of run `seed`.
  static Rng stream(std::uint64_t seed, std::string_view name) {
    return Rng(mix64(seed) ^ fnv1a64(name));
  }
  // A child stream, independent of this one's future draws.
  Rng fork(std::string_view name) { return Rng(next() ^ fnv1a64(name)); }

  std::uint64_t next();

  // Uniform in [0, bound), unbiased (Lemire's multiply-and-reject). bound > 0.
  std::uint64_t below(std::uint64_t bound);
  // Uniform in [low, high], both inclusive.
  std::int64_t uniform_int(std::int64_t low, std::int64_t high);
  // Uniform in [0, 1) with 53 bits of precision.
  double uniform_real();
  double uniform_real(double low, double high) { return low + (high - low) * uniform_real(); }
  // True with probability p (p <= 0: never, p >= 1: always, and no draw is taken then).
  bool bernoulli(double p);
  // Exponentially distributed with the given mean.
  double exponential(double mean);
  Duration exponential(Duration mean);
  // Uniform in [low, high].
  Duration uniform_duration(Duration low, Duration high);

  template <class T>
  T& pick(std::span<T> items) {
    SAMSA_ASSERT(!items.empty(), "pick from an empty span");
    return items[below(items.size())];
  }
  template <class T>
  void shuffle(std::span<T> items) {  // Fisher-Yates, from the back.
    for (std::size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[below(i)]);
    }
  }

 private:
  std::uint64_t s_[4];
};

}  // namespace samsa::sim
