// What the CLI tests share: running the real `samsa` binary (SAMSA_BINARY) with
// arguments and environment, capturing its exit code, stdout and stderr; a fresh scratch
// directory per test; the fixture scenarios (tests/cli/fixtures/, small and fast); and the
// known failing case: the fixture, bug and seed that fail.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace samsa::cli::testing {

namespace fs = std::filesystem;

struct Invocation {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string fixture(const std::string& name) {
  return std::string(SAMSA_CLI_FIXTURES) + "/" + name;
}

// The fixture that passes with no bug, and the bug and seed that make it fail.
inline const std::string kPassing = "crash-pass.toml";
inline const std::string kRandom = "crash-random.toml";
inline const std::string kFailingBug = SAMSA_CLI_FAILING_BUG;
inline constexpr std::uint64_t kFailingSeed = SAMSA_CLI_FAILING_SEED;

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string quoted(const std::string& word) {
  std::string q = "'";
  for (char c : word) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Removes the directories it holds when the test process ends.
struct ScratchCleanup {
  std::vector<fs::path> dirs;
  ~ScratchCleanup() {
    std::error_code ec;
    for (const fs::path& dir : dirs) fs::remove_all(dir, ec);
  }
};
inline ScratchCleanup& scratch_cleanup() {
  static ScratchCleanup cleanup;
  return cleanup;
}

// A directory of its own for the running test, emptied first, removed at exit.
inline fs::path scratch_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir =
      fs::temp_directory_path() / ("samsa_cli_" + std::string(info->test_suite_name()) + "_" +
                                   info->name() + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  scratch_cleanup().dirs.push_back(dir);
  return dir;
}

// Runs `samsa args...` with the catalogue pointed at the fixtures; `prefix` goes before the
// binary: NAME=value assignments (overriding the catalogue too) or a wrapper command such
// as `timeout --preserve-status -s INT 1`.
inline Invocation samsa(const std::vector<std::string>& args, const std::string& prefix = "") {
  static int counter = 0;
  static const fs::path dir = [] {
    const fs::path d = fs::temp_directory_path() / ("samsa_cli_io_" + std::to_string(::getpid()));
    fs::create_directories(d);
    scratch_cleanup().dirs.push_back(d);
    return d;
  }();
  const fs::path out = dir / (std::to_string(++counter) + ".out");
  const fs::path err = dir / (std::to_string(counter) + ".err");
  std::string command = "SAMSA_SCENARIO_DIR=" + quoted(SAMSA_CLI_FIXTURES) + " " + prefix + " " +
                        quoted(SAMSA_BINARY);
  for (const std::string& a : args) command += " " + quoted(a);
  command += " >" + quoted(out.string()) + " 2>" + quoted(err.string()) + " </dev/null";
  const int status = std::system(command.c_str());
  Invocation result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out);
  result.err = read_file(err);
  fs::remove(out);
  fs::remove(err);
  return result;
}

inline nlohmann::json parse_json(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

inline std::string describe(const Invocation& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

}  // namespace samsa::cli::testing
