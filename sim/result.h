// Result<T, E>: operating errors are values (STYLE.md rule 4). A Result holds either a
// value or an error code; reading the wrong side is a broken invariant and asserts.
#pragma once

#include <utility>
#include <variant>

#include "sim/assert.h"

namespace samsa::sim {

template <class E>
struct Err {
  explicit Err(E e) : error(std::move(e)) {}
  E error;
};
template <class E>
Err(E) -> Err<E>;

template <class T, class E>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  template <class E2>
  Result(Err<E2> e) : v_(std::in_place_index<1>, E(std::move(e.error))) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    SAMSA_ASSERT(ok(), "Result::value() on an error");
    return std::get<0>(v_);
  }
  const T& value() const& {
    SAMSA_ASSERT(ok(), "Result::value() on an error");
    return std::get<0>(v_);
  }
  T&& value() && {
    SAMSA_ASSERT(ok(), "Result::value() on an error");
    return std::get<0>(std::move(v_));
  }
  const E& error() const {
    SAMSA_ASSERT(!ok(), "Result::error() on a value");
    return std::get<1>(v_);
  }

 private:
  std::variant<T, E> v_;
};

// Result<void, E>: success carries nothing.
struct Unit {
  auto operator<=>(const Unit&) const = default;
};
template <class E>
using Status = Result<Unit, E>;

}  // namespace samsa::sim
