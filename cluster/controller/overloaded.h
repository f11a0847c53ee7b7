// Overloaded{lambdas...}: the usual helper for std::visit over MetadataRecord, shared by
// the record codec, replay and the controller so there is one copy.
#pragma once

namespace samsa::cluster::controller {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace samsa::cluster::controller
