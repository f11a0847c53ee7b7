#include "sim/sanitizer.h"

#include <pthread.h>

namespace samsa::sim::sanitizer {

StackBounds thread_stack() {
  StackBounds bounds;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return bounds;
  void* bottom = nullptr;
  std::size_t size = 0;
  if (pthread_attr_getstack(&attr, &bottom, &size) == 0) {
    bounds.bottom = bottom;
    bounds.size = size;
  }
  pthread_attr_destroy(&attr);
  return bounds;
}

}  // namespace samsa::sim::sanitizer
