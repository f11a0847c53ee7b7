# Runs the scenario_fuzz libFuzzer target for a bounded time over a fresh copy of the seed
# corpus (the catalogue and the broken files), in the build tree only: the source tree is
# never written. Variables: FUZZER, WORK_DIR, SEED_DIRS (;-list), DICT, SECONDS.
file(REMOVE_RECURSE "${WORK_DIR}/corpus")
file(MAKE_DIRECTORY "${WORK_DIR}/corpus" "${WORK_DIR}/artifacts")
foreach(dir IN LISTS SEED_DIRS)
  file(GLOB seeds "${dir}/*.toml")
  if(seeds)
    file(COPY ${seeds} DESTINATION "${WORK_DIR}/corpus")
  endif()
endforeach()
execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -rss_limit_mb=1024 -timeout=10
          -dict=${DICT} -artifact_prefix=${WORK_DIR}/artifacts/ "${WORK_DIR}/corpus"
  WORKING_DIRECTORY "${WORK_DIR}"
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "scenario_fuzz failed (${result}); the input is in ${WORK_DIR}/artifacts")
endif()
