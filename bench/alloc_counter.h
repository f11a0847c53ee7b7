// Counts heap allocations made through the global operator new (every form: plain,
// array, aligned, nothrow) in the samsa_bench binary, so a benchmark can report
// allocations per event in steady state: read allocation_count() before and after the
// timed loop and divide the difference by the events done. malloc() called directly
// (Boost.Fiber's stack allocators, fmt's buffers) is not counted.
#pragma once

#include <cstdint>

namespace samsa::bench {

// operator new calls so far, on every thread of the process.
std::uint64_t allocation_count();

// Bytes allocated through operator new and not yet freed, on every thread.
std::int64_t live_bytes();
// The highest live_bytes() since the last reset_peak() (or the start of the process).
std::int64_t peak_live_bytes();
// Starts a new peak at the current live_bytes().
void reset_peak();

}  // namespace samsa::bench
