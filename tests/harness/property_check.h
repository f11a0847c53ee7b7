// Runs a RapidCheck property a bounded number of times from a plain TEST: `cases` by
// default, or the number in the environment variable `cases_env` — whole-cluster runs
// cost a fraction of a second each, so CI runs few and a hunt runs many. A failure prints
// RapidCheck's counterexample (shrunk) and its reproduce string (RC_PARAMS="reproduce=...").
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace samsa::harness::testing {

template <class Testable>
void check_property(const std::string& id, int cases, const char* cases_env, Testable testable) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = cases;
  if (const char* env = std::getenv(cases_env)) params.maxSuccess = std::atoi(env);
  rc::detail::TestMetadata metadata;
  metadata.id = id;
  const auto result = rc::detail::checkTestable(testable, metadata, params);
  rc::detail::printResultMessage(result, std::cerr);
  EXPECT_TRUE(result.template is<rc::detail::SuccessResult>());
}

}  // namespace samsa::harness::testing
