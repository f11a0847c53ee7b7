// Logging for everything that runs inside a simulation. Lines carry the simulated time
// and the name of the node whose fiber logged ("-" outside a simulation, "main" in the
// kernel's own context), never the wall clock. The level is a view setting only: the
// logger never touches the trace, so changing it never changes a trace hash.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace samsa::sim {

spdlog::logger& logger();
void set_log_level(spdlog::level::level_enum level);
// "trace", "debug", "info", "warn", "error", "off"; false if the name is unknown.
bool set_log_level(const std::string& name);
// Sends log lines to `path` instead of stderr (empty: back to stderr).
void set_log_file(const std::string& path);

}  // namespace samsa::sim

#define SAMSA_LOG_TRACE(...) SPDLOG_LOGGER_TRACE(&::samsa::sim::logger(), __VA_ARGS__)
#define SAMSA_LOG_DEBUG(...) SPDLOG_LOGGER_DEBUG(&::samsa::sim::logger(), __VA_ARGS__)
#define SAMSA_LOG_INFO(...) SPDLOG_LOGGER_INFO(&::samsa::sim::logger(), __VA_ARGS__)
#define SAMSA_LOG_WARN(...) SPDLOG_LOGGER_WARN(&::samsa::sim::logger(), __VA_ARGS__)
#define SAMSA_LOG_ERROR(...) SPDLOG_LOGGER_ERROR(&::samsa::sim::logger(), __VA_ARGS__)
