#!/usr/bin/env bash
# The determinism source check (registered as the CTest source_check.determinism).
#
# Scans the simulated code — sim/, cluster/, properties/ and harness/ under ROOT, those
# that exist — for calls that would make a run depend on something other than its
# scenario and seed: real clocks, OS threads and sleeps, OS entropy, the C and C++
# standard random engines and distributions, and containers ordered or hashed by
# address. See DESIGN.md, "The determinism contract".
#
# Comments and the contents of string and character literals are ignored, so prose may
# name what it likes. Two ways to let a line through, each with its reason written down:
#   - a trailing comment on that line: `// determinism-ok: <reason>`;
#   - an entry in ROOT/scripts/determinism-allow.txt (format explained in that file),
#     for lines in code this check must not edit or where a comment cannot go.
#
# Usage: check-determinism.sh [ROOT]     (ROOT defaults to the repository of this script)
# Environment: SAMSA_DETERMINISM_ALLOW=FILE overrides the allow-list's path.
# Exit status: 0 clean; 1 banned calls found (each printed as
#   `file:line: banned call 'X': why`); 2 bad usage, nothing to scan, or a malformed
#   allow-list.
set -euo pipefail

if [ $# -gt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 2
fi

root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
if [ ! -d "$root" ]; then
  echo "check-determinism: no such directory: $root" >&2
  exit 2
fi
root="$(cd "$root" && pwd)"
allow="${SAMSA_DETERMINISM_ALLOW:-$root/scripts/determinism-allow.txt}"

cd "$root"
scanned_dirs=()
for dir in sim cluster properties harness; do
  if [ -d "$dir" ]; then scanned_dirs+=("$dir"); fi
done
if [ ${#scanned_dirs[@]} -eq 0 ]; then
  # A checker pointed at the wrong place must not pass quietly.
  echo "check-determinism: none of sim/ cluster/ properties/ harness/ exists under $root" >&2
  exit 2
fi

files=()
while IFS= read -r -d '' file; do
  files+=("${file#./}")
done < <(find "${scanned_dirs[@]}" -type f \( -name '*.h' -o -name '*.hh' -o -name '*.hpp' \
  -o -name '*.cc' -o -name '*.cpp' -o -name '*.cxx' -o -name '*.ipp' -o -name '*.inl' \
  -o -name '*.tpp' \) -print0 | LC_ALL=C sort -z)
if [ ${#files[@]} -eq 0 ]; then
  echo "check-determinism: no C++ sources under ${scanned_dirs[*]} in $root" >&2
  exit 2
fi

allow_input=/dev/null
if [ -e "$allow" ]; then allow_input="$allow"; fi

# The scanner. Phase "allow" reads the allow-list; phase "src" reads each source file,
# blanks comments and literals (keeping columns and line numbers), then applies the rules.
read -r -d '' scanner <<'AWK' || true
function add_rule(re, label, why) {
  n_rules++
  rule_re[n_rules] = re
  rule_label[n_rules] = label
  rule_why[n_rules] = why
}

BEGIN {
  B = "[^A-Za-z0-9_]"        # a character that cannot be part of an identifier
  NQ = "[^A-Za-z0-9_.>:]"    # ... nor end a qualifier or member access (x.f, p->f, ns::f)
  S = "[ \t]*"
  why_clock = "reads the host's clock; simulated time comes only from the kernel (Kernel::now(), NodeEnv)"
  why_rand = "every random choice comes from a sim::Rng stream of the run's seed (sim/random.h)"
  why_thread = "a simulation runs on one OS thread and its concurrency is fibers (Kernel::spawn)"
  why_sleep = "sleeps on the real clock; use Kernel::sleep_for / sleep_until (virtual time)"
  why_addr = "order depends on object addresses, which differ between runs and builds; key by a stable id (NodeId, FiberId, a name)"

  add_rule(B "((std::)?chrono::|std::|boost::posix_time::)?(system_clock|steady_clock|high_resolution_clock|utc_clock|tai_clock|gps_clock|file_clock|microsec_clock|second_clock)" B, "", why_clock)
  add_rule(NQ "(::)?(gettimeofday|clock_gettime|timespec_get|__rdtsc|__builtin_ia32_rdtsc)" S "\\(", "", why_clock)
  add_rule(B "std::time" S "\\(", "", why_clock)
  add_rule(NQ "(::)?time" S "\\(" S "(NULL|nullptr|0|&)", "time()", why_clock)
  add_rule(B "(std::)?random_device" B, "", "draws OS entropy, so the run could not be replayed from its seed; " why_rand)
  add_rule(NQ "(std::|::)?(rand|srand|rand_r|random|srandom|drand48|erand48|lrand48|nrand48|mrand48|jrand48|srand48|arc4random|getrandom|getentropy)" S "\\(", "", "C library random numbers (global state, not the seed); " why_rand)
  add_rule(B "(std::)?(mt19937_64|mt19937|minstd_rand0|minstd_rand|ranlux24_base|ranlux48_base|ranlux24|ranlux48|knuth_b|default_random_engine|linear_congruential_engine|mersenne_twister_engine|subtract_with_carry_engine|discard_block_engine|independent_bits_engine|shuffle_order_engine)" B, "", "a standard-library random engine; " why_rand)
  add_rule(B "(std::)?(uniform_int_distribution|uniform_real_distribution|bernoulli_distribution|binomial_distribution|negative_binomial_distribution|geometric_distribution|poisson_distribution|exponential_distribution|gamma_distribution|weibull_distribution|extreme_value_distribution|normal_distribution|lognormal_distribution|chi_squared_distribution|cauchy_distribution|fisher_f_distribution|student_t_distribution|discrete_distribution|piecewise_constant_distribution|piecewise_linear_distribution|generate_canonical)" B, "", "standard-library distributions give different numbers with libstdc++ and libc++; use sim::Rng's own (below, uniform_int, exponential, ...)")
  add_rule(B "std::(shuffle|random_shuffle|sample)" S "\\(", "", "its result differs between standard libraries; use Rng::shuffle / Rng::pick")
  add_rule(B "#" S "include" S "<(random|thread|future)>", "", "this header exists for banned facilities (engines and distributions, threads, async)")
  add_rule(B "(std::j?thread|boost::thread|pthread_create)" B, "", "starts an OS thread; " why_thread)
  add_rule(B "std::(async|launch::async)" B, "", "runs work on another OS thread; " why_thread)
  add_rule(B "(std::)?this_thread" S "::" S "[A-Za-z_]+", "", "acts on the OS thread (sleeps on the real clock, yields or names it); use Kernel::sleep_for / Kernel::yield")
  add_rule(B "(boost::)?this_fiber" S "::" S "(sleep_for|sleep_until)", "", "Boost.Fiber's sleep waits on the real steady_clock; use Kernel::sleep_for / sleep_until (virtual time)")
  add_rule(NQ "(::)?(usleep|nanosleep|clock_nanosleep|sleep)" S "\\(", "", why_sleep)
  add_rule(NQ "(::)?(getpid|getppid|gettid)" S "\\(", "", "differs from run to run; identify things by NodeId or by name")
  add_rule(B "boost::fibers::(condition_variable_any|condition_variable|recursive_timed_mutex|timed_mutex|recursive_mutex|mutex|barrier|buffered_channel|unbuffered_channel|async|shared_future|future|promise|packaged_task)" B, "", "Boost.Fiber's own waits time out on the real steady_clock and ignore node crashes and pauses; use sim/sync.h")
  add_rule(B "unordered_(multimap|multiset|map|set)" S "<[^,>]*[*]", "", "an unordered container keyed by pointer: iteration " why_addr)
  add_rule(B "std::(multimap|multiset|map|set)" S "<[^,>]*[*]", "", "a container ordered by pointer: iteration " why_addr)
  add_rule(B "hash" S "<[^<>]*[*]" S ">", "", "hashes a pointer: bucket " why_addr)
}

function trim(s) {
  sub(/^[ \t\r]+/, "", s)
  sub(/[ \t\r]+$/, "", s)
  return s
}

# --- the allow-list ------------------------------------------------------------------------

phase == "allow" {
  line = trim($0)
  if (line == "") { have_reason = 0; next }
  if (substr(line, 1, 1) == "#") { have_reason = 1; next }
  colon = index(line, ":")
  if (colon < 2 || trim(substr(line, colon + 1)) == "") {
    printf "%s:%d: malformed allow-list entry (want path:text): %s\n", FILENAME, FNR, line > "/dev/stderr"
    allow_errors++
    next
  }
  if (!have_reason) {
    printf "%s:%d: allow-list entry without a '# reason' comment line directly above it\n", FILENAME, FNR > "/dev/stderr"
    allow_errors++
  }
  n_allow++
  allow_path[n_allow] = trim(substr(line, 1, colon - 1))
  allow_text[n_allow] = trim(substr(line, colon + 1))
  allow_where[n_allow] = FILENAME ":" FNR
  allow_used[n_allow] = 0
  have_reason = 0
  next
}

# An entry covers a file named exactly, or every file under a path ending in "/".
function allowed(file, raw,    i, p) {
  for (i = 1; i <= n_allow; i++) {
    p = allow_path[i]
    if (p == file || (substr(p, length(p), 1) == "/" && index(file, p) == 1)) {
      if (index(raw, allow_text[i]) > 0) {
        allow_used[i]++
        return 1
      }
    }
  }
  return 0
}

# --- source files ------------------------------------------------------------------------

# Returns `line` with comments and literal contents replaced by spaces; sets `comment` to
# the text of the comments on the line. State (block comment, raw string) carries over.
function strip(line,    out, i, n, c, c2, prev, j, delim) {
  out = ""
  comment = ""
  n = length(line)
  i = 1
  while (i <= n) {
    c = substr(line, i, 1)
    c2 = substr(line, i, 2)
    if (state == "block") {
      if (c2 == "*/") { state = "code"; out = out "  "; i += 2; continue }
      comment = comment c
      out = out " "
      i++
      continue
    }
    if (state == "raw") {
      if (substr(line, i, length(raw_end)) == raw_end) {
        state = "code"
        out = out sprintf("%" length(raw_end) "s", "")
        i += length(raw_end)
        continue
      }
      out = out " "
      i++
      continue
    }
    if (c2 == "//") {
      comment = comment substr(line, i + 2)
      out = out sprintf("%" (n - i + 1) "s", "")
      break
    }
    if (c2 == "/*") { state = "block"; out = out "  "; i += 2; continue }
    prev = i > 1 ? substr(line, i - 1, 1) : ""
    if (c == "\"" && prev == "R" && (i < 3 || substr(line, i - 2, 1) !~ /[A-Za-z0-9_]/ || substr(line, i - 2, 1) ~ /[uUL8]/)) {
      j = index(substr(line, i + 1), "(")
      delim = j > 0 ? substr(line, i + 1, j - 1) : ""
      raw_end = ")" delim "\""
      state = "raw"
      out = out "\""
      i++
      continue
    }
    if (c == "\"" || (c == "'" && !(prev ~ /[0-9A-Fa-f]/ && substr(line, i + 1, 1) ~ /[0-9A-Fa-f]/))) {
      # A string or character literal (a ' between hex digits is a digit separator).
      out = out c
      i++
      while (i <= n) {
        if (substr(line, i, 1) == "\\") { out = out "  "; i += 2; continue }
        if (substr(line, i, 1) == c) break
        out = out " "
        i++
      }
      if (i <= n) { out = out c; i++ }
      continue
    }
    out = out c
    i++
  }
  return out
}

# The text a rule matched in `code` at (start, length), widened leftwards over the
# qualifier it belongs to (std::, ::), as the message names it.
function label_of(code, start, len,    text) {
  while (start > 1 && substr(code, start, 1) ~ /[^A-Za-z0-9_#]/ && substr(code, start - 1, 1) ~ /[A-Za-z0-9_:]/) {
    start--
    len++
  }
  while (start > 1 && substr(code, start - 1, 1) ~ /[A-Za-z0-9_:]/) {
    start--
    len++
  }
  text = substr(code, start, len)
  sub(/^[^A-Za-z_:#]+/, "", text)
  if (text ~ /[ \t]*\($/) sub(/[ \t]*\($/, "()", text)
  sub(/[^A-Za-z0-9_)>*]+$/, "", text)
  return text
}

phase == "src" {
  if (FNR == 1) { state = "code"; files_scanned++ }
  raw = $0
  code = " " strip(raw) " "
  if (comment ~ /determinism-ok:/) {
    if (comment ~ /determinism-ok:[ \t]*[^ \t]/) next
    printf "%s:%d: 'determinism-ok:' needs a reason after the colon\n", FILENAME, FNR
    hits++
    hit_file[FILENAME] = 1
    next
  }
  for (r = 1; r <= n_rules; r++) {
    if (!match(code, rule_re[r])) continue
    if (allowed(FILENAME, raw)) continue
    label = rule_label[r] != "" ? rule_label[r] : label_of(code, RSTART, RLENGTH)
    printf "%s:%d: banned call '%s': %s\n", FILENAME, FNR, label, rule_why[r]
    hits++
    hit_file[FILENAME] = 1
  }
}

END {
  for (i = 1; i <= n_allow; i++) {
    if (!allow_used[i]) {
      printf "%s: warning: allow-list entry matched nothing: %s:%s\n", allow_where[i], allow_path[i], allow_text[i] > "/dev/stderr"
    }
  }
  if (allow_errors > 0) exit 2
  if (hits > 0) {
    nf = 0
    for (f in hit_file) nf++
    printf "check-determinism: %d banned call(s) in %d file(s) of %d scanned.\n", hits, nf, files_scanned
    printf "Use the kernel's services instead (see DESIGN.md, \"The determinism contract\"); where a line is\n"
    printf "truly harmless, end it with `// determinism-ok: <reason>`.\n"
    exit 1
  }
  printf "check-determinism: %d files clean (%s).\n", files_scanned, dirs
}
AWK

LC_ALL=C awk -v dirs="${scanned_dirs[*]}" "$scanner" phase=allow "$allow_input" phase=src "${files[@]}"
