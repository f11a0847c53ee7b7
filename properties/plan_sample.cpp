#include "properties/plan_sample.h"

namespace samsa::properties {

RunPlan plan_for_seed(const PlanSpace& space, std::uint64_t seed) {
  return gen_run_plan(space)(rc::Random(seed), kPlanSampleSize).value();
}

}  // namespace samsa::properties
