// What the runner's tests share: the plan vocabulary, and a failure description that adds
// every send (status, partition, offset) to the outcome and violations.
#pragma once

#include <string>

#include "harness/runner.h"

namespace samsa::harness::testing {

using namespace std::chrono_literals;
using properties::FaultKind;
using properties::FaultStep;
using properties::NodeRef;
using properties::NodeRole;
using properties::OpKind;
using properties::RunPlan;

inline std::string describe(const RunResult& result) {
  std::string text = describe_result(result);
  if (!result.violations.empty() && result.history != nullptr) {
    for (const auto& op : result.history->ops()) {
      if (op.kind == OpKind::kSend) text += result.history->describe(op) + "\n";
    }
  }
  return text;
}

}  // namespace samsa::harness::testing
