#!/usr/bin/env bash
# Self-test of scripts/check-determinism.sh (the CTest source_check.self_test): runs the
# check on fixture trees built in a temporary directory and asserts that it fires on
# every kind of banned call, names the file and line of each, stays quiet on comments,
# literals, look-alike names and opted-out lines, honours the allow-list, and refuses
# malformed input. A checker that never fires is worse than none.
#
# Usage: self_test.sh [path/to/check-determinism.sh]
set -euo pipefail

check="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/check-determinism.sh}"
work="$(mktemp -d "${TMPDIR:-/tmp}/samsa-source-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Runs the check on $1; leaves its exit status in $status and its output in $out.
run_check() {
  set +e
  out="$(bash "$check" "$1" 2>&1)"
  status=$?
  set -e
}

expect_status() {  # expected, what
  if [ "$status" -ne "$1" ]; then
    fail "$2: exit status $status, want $1. Output:"
    printf '%s\n' "$out" >&2
  fi
}

expect_line() {  # text that must start some output line, what
  if ! grep -qF -- "$1" <<<"$out"; then fail "$2: no output line contains: $1"; fi
}

expect_absent() {  # text that no output line may contain, what
  if grep -qF -- "$1" <<<"$out"; then fail "$2: output unexpectedly contains: $1"; fi
}

# --- 1. A dirty tree: one banned call per line, every line must be reported -----------------
dirty="$work/dirty"
mkdir -p "$dirty/cluster/broker" "$dirty/sim"
# Each entry: the line of code, then the name the report must give. Line N of the
# fixture file is entry N.
banned=(
  'auto t0 = std::chrono::steady_clock::now();|std::chrono::steady_clock'
  'auto t1 = std::chrono::system_clock::now();|std::chrono::system_clock'
  'using Clock = std::chrono::high_resolution_clock;|std::chrono::high_resolution_clock'
  'std::random_device entropy;|std::random_device'
  'int r0 = rand() % 6;|rand()'
  'srand(7);|srand()'
  'int r1 = std::rand();|std::rand()'
  'long t2 = time(NULL);|time()'
  'long t3 = time(nullptr);|time()'
  'long t4 = std::time(nullptr);|std::time()'
  'std::thread worker([] {});|std::thread'
  'auto later = std::async([] { return 1; });|std::async()'
  'std::this_thread::sleep_for(std::chrono::milliseconds(5));|std::this_thread::sleep_for'
  'std::this_thread::sleep_until(deadline);|std::this_thread::sleep_until'
  'boost::this_fiber::sleep_for(std::chrono::milliseconds(5));|boost::this_fiber::sleep_for'
  'boost::this_fiber::sleep_until(deadline);|boost::this_fiber::sleep_until'
  'usleep(100);|usleep()'
  'nanosleep(&request, nullptr);|nanosleep()'
  'gettimeofday(&tv, nullptr);|gettimeofday()'
  'clock_gettime(CLOCK_MONOTONIC, &ts);|clock_gettime()'
  'int pid = getpid();|getpid()'
  'std::mt19937 engine(42);|std::mt19937'
  'std::mt19937_64 engine64(42);|std::mt19937_64'
  'std::default_random_engine engine2;|std::default_random_engine'
  'std::uniform_int_distribution<int> die(1, 6);|std::uniform_int_distribution'
  'std::uniform_real_distribution<double> unit(0, 1);|std::uniform_real_distribution'
  'std::exponential_distribution<double> gaps(2.0);|std::exponential_distribution'
  'std::bernoulli_distribution coin(0.5);|std::bernoulli_distribution'
  'std::normal_distribution<double> noise;|std::normal_distribution'
  'std::unordered_map<Replica*, int> lag_by_replica;|std::unordered_map<Replica*'
  'std::unordered_set<const Broker*> seen;|std::unordered_set<const Broker*'
  'std::size_t bucket = std::hash<Broker*>{}(broker);|std::hash<Broker*>'
)
for entry in "${banned[@]}"; do printf '%s\n' "${entry%|*}"; done >"$dirty/cluster/broker/bad.cpp"

# A clean file next to it: comments, literals and look-alikes that must not fire.
cat >"$dirty/sim/clean.h" <<'EOF'
// A comment may name std::thread, steady_clock, rand() and sleep_for freely.
/* So may a block comment: system_clock,
   std::random_device, usleep(1), time(NULL). */
kernel.sleep_for(1ms);
kernel.sleep_until(deadline);
env.sleep_for(backoff);
boost::this_fiber::yield();
const char* text = "rand() std::thread steady_clock time(NULL)";
char quote = '"'; int million = 1'000'000; unsigned mask = 0xFF'FF;
auto raw = R"(std::thread "and" rand())";
thread_local Kernel* tls_kernel = nullptr;
static DeterministicScheduler& for_this_thread();
rng.random(); rng->rand(); my::rand(3); operand(2); brand(1); clock.time(nullptr);
SimTime time() const; std::uint64_t runtime(); wall_time(0);
std::unordered_map<std::string, Broker*> brokers_by_name;
std::map<NodeId, Broker*> brokers; std::set<std::string> names;
std::hash<std::string> name_hash;
int distribution_count = 0; latency_distribution(1); sleeping(1); nap.sleep(2);
auto started = std::chrono::steady_clock::now();  // determinism-ok: a fixture's reason
EOF

run_check "$dirty"
expect_status 1 "dirty tree"
line=0
for entry in "${banned[@]}"; do
  line=$((line + 1))
  expect_line "cluster/broker/bad.cpp:$line: banned call '${entry#*|}': " "dirty tree, line $line"
done
reported="$(grep -c "^cluster/broker/bad.cpp:[0-9]*: banned call " <<<"$out" || true)"
if [ "$reported" -ne "${#banned[@]}" ]; then
  fail "dirty tree: $reported reports for ${#banned[@]} banned lines"
fi
expect_absent "sim/clean.h" "dirty tree (the clean file)"

# --- 2. The clean file alone passes -------------------------------------------------------------
clean="$work/clean"
mkdir -p "$clean/sim"
cp "$dirty/sim/clean.h" "$clean/sim/clean.h"
run_check "$clean"
expect_status 0 "clean tree"

# --- 3. The opt-out needs a reason ----------------------------------------------------------
noreason="$work/noreason"
mkdir -p "$noreason/harness"
printf 'int a = 0;\nauto t = std::chrono::steady_clock::now();  // determinism-ok:\n' \
  >"$noreason/harness/run.cpp"
run_check "$noreason"
expect_status 1 "opt-out without a reason"
expect_line "harness/run.cpp:2: " "opt-out without a reason"

# --- 4. The allow-list: an entry with its reason lets exactly its line through ---------------
allowed="$work/allowed"
mkdir -p "$allowed/harness/explore" "$allowed/scripts"
printf '#include <vector>\nstd::thread worker(run_seeds);\nstd::thread other(run_more);\n' \
  >"$allowed/harness/explore/pool.cpp"
cat >"$allowed/scripts/determinism-allow.txt" <<'EOF'
# The explorer runs one simulation per worker thread.
harness/explore/pool.cpp:std::thread worker(run_seeds);
EOF
run_check "$allowed"
expect_status 1 "allow-list (one line allowed, one not)"
expect_absent "pool.cpp:2:" "allow-list (the allowed line)"
expect_line "harness/explore/pool.cpp:3: banned call 'std::thread': " "allow-list (the other line)"

cat >"$allowed/scripts/determinism-allow.txt" <<'EOF'
# The explorer's worker pool: every file under this directory may start threads.
harness/explore/:std::thread
EOF
run_check "$allowed"
expect_status 0 "allow-list directory entry"

cat >"$allowed/scripts/determinism-allow.txt" <<'EOF'
harness/explore/:std::thread
EOF
run_check "$allowed"
expect_status 2 "allow-list entry without a reason"

# --- 5. Nothing to scan is an error, not a pass ------------------------------------------------
mkdir -p "$work/empty/docs"
run_check "$work/empty"
expect_status 2 "a tree with none of the scanned directories"

if [ "$failures" -ne 0 ]; then
  echo "source_check.self_test: $failures failure(s)" >&2
  exit 1
fi
echo "source_check.self_test: all checks passed (${#banned[@]} banned calls caught)"
