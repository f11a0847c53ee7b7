// Test helper for the scenario tests: a scenario parsed from text, which must load.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "harness/scenario.h"

namespace samsa::harness::testing {

inline Scenario load_text(const std::string& text, const std::string& file_name) {
  auto result = parse_scenario(text, file_name);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().to_string());
  return result.ok() ? result.value() : Scenario{};
}

}  // namespace samsa::harness::testing
