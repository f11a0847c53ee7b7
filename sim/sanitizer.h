// AddressSanitizer annotations for fiber switches. Boost.Context as Debian ships it
// (fcontext) switches stacks without telling the sanitizer, and an exception thrown on a
// fiber stack then trips over the sanitizer's idea of where the stack is. The scheduler
// announces each switch with the destination's stack (start_switch, in pick_next) and the
// destination confirms it when it resumes (finish_switch). Switches into Boost's own
// dispatcher are not announced: it runs no instrumented code and throws nothing.
// Without AddressSanitizer every function here is empty.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define SAMSA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SAMSA_ASAN 1
#endif
#endif

#if defined(SAMSA_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace samsa::sim::sanitizer {

struct StackBounds {
  const void* bottom = nullptr;
  std::size_t size = 0;
};

#if defined(SAMSA_ASAN)
inline constexpr bool kAddress = true;
// `leaving_for_good`: the current fiber has ended and its stack is about to be freed.
inline void start_switch(StackBounds to, bool leaving_for_good) {
  static thread_local void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(leaving_for_good ? nullptr : &fake_stack, to.bottom, to.size);
}
inline void finish_switch() { __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr); }
inline void unpoison(void* base, std::size_t size) { __asan_unpoison_memory_region(base, size); }
#else
inline constexpr bool kAddress = false;
inline void start_switch(StackBounds, bool) {}
inline void finish_switch() {}
inline void unpoison(void*, std::size_t) {}
#endif

// The calling thread's own stack (for switches back to its main context).
StackBounds thread_stack();

}  // namespace samsa::sim::sanitizer
