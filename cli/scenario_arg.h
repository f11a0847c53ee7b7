// How every subcommand names its inputs: a scenario is a path to a .toml file or the
// name of a catalogue entry (the file stem in the catalogue directory: SAMSA_SCENARIO_DIR
// in the environment, else the source tree's scenarios/), and --bug names must be known
// (cluster/bugs.h). A bad input prints one message to stderr naming the command and what
// is wrong (for a scenario: ScenarioError::to_string(), file:line:column: key: message),
// and the command exits with code 2 (kExitUsage).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario.h"

namespace samsa::cli {

inline constexpr int kExitPass = 0;
inline constexpr int kExitFail = 1;
inline constexpr int kExitUsage = 2;

// The catalogue directory: $SAMSA_SCENARIO_DIR if set, else the compiled-in default.
std::string scenario_dir();

// The file `arg` names: `arg` itself when it is an existing file, ends in .toml or has a
// '/', else <scenario_dir()>/<arg>.toml when that exists; nullopt otherwise.
std::optional<std::string> scenario_file(const std::string& arg);

// Loads the scenario `arg` names, or prints why not (prefixed "samsa <command>: ").
std::optional<harness::Scenario> resolve_scenario(const std::string& arg, std::string_view command);

// True when every name is a known bug; else prints the first unknown one.
bool check_bugs(const std::vector<std::string>& bugs, std::string_view command);

// `word` quoted for a POSIX shell when it needs it ("my file.toml" -> 'my file.toml').
std::string shell_word(const std::string& word);

}  // namespace samsa::cli
