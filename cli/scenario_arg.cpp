#include "cli/scenario_arg.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cluster/bugs.h"

#ifndef SAMSA_SCENARIO_DIR
#define SAMSA_SCENARIO_DIR "scenarios"
#endif

namespace samsa::cli {

std::string scenario_dir() {
  const char* env = std::getenv("SAMSA_SCENARIO_DIR");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(SAMSA_SCENARIO_DIR);
}

std::optional<std::string> scenario_file(const std::string& arg) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool looks_like_path = arg.ends_with(".toml") || arg.find('/') != std::string::npos;
  if (looks_like_path || fs::is_regular_file(arg, ec)) return arg;
  const fs::path entry = fs::path(scenario_dir()) / (arg + ".toml");
  if (fs::is_regular_file(entry, ec)) return entry.string();
  return std::nullopt;
}

std::optional<harness::Scenario> resolve_scenario(const std::string& arg,
                                                  std::string_view command) {
  const std::optional<std::string> file = scenario_file(arg);
  if (!file) {
    std::fprintf(stderr,
                 "samsa %.*s: %s: no such scenario file, and no %s.toml in the catalogue %s "
                 "(samsa list scenarios)\n",
                 static_cast<int>(command.size()), command.data(), arg.c_str(), arg.c_str(),
                 scenario_dir().c_str());
    return std::nullopt;
  }
  auto loaded = harness::load_scenario(*file);
  if (!loaded.ok()) {
    std::fprintf(stderr, "samsa %.*s: %s\n", static_cast<int>(command.size()), command.data(),
                 loaded.error().to_string().c_str());
    return std::nullopt;
  }
  return std::move(loaded).value();
}

bool check_bugs(const std::vector<std::string>& bugs, std::string_view command) {
  for (const std::string& bug : bugs) {
    if (cluster::find_bug(bug) == nullptr) {
      std::fprintf(stderr, "samsa %.*s: --bug %s: no such bug (samsa list bugs)\n",
                   static_cast<int>(command.size()), command.data(), bug.c_str());
      return false;
    }
  }
  return true;
}

std::string shell_word(const std::string& word) {
  const bool plain = !word.empty() && word.find_first_not_of(
                                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-_./=:+,@%") == std::string::npos;
  if (plain) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace samsa::cli
