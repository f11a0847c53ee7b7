// Drawing one plan from a seed, outside a property test: exploration (`samsa explore`,
// the bug hunts) runs seed after seed, and seed S always yields the same plan from the
// same PlanSpace — RapidCheck's generator sampled with its own random source seeded by S
// (the library's own algorithm, not the standard library's distributions), at a fixed
// size. The simulation then runs under the same seed S.
#pragma once

#include <cstdint>

#include "properties/plan_gen.h"

namespace samsa::properties {

inline constexpr int kPlanSampleSize = rc::kNominalSize;  // full ranges, as a late test case gets

RunPlan plan_for_seed(const PlanSpace& space, std::uint64_t seed);

}  // namespace samsa::properties
