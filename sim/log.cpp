#include "sim/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <memory>
#include <mutex>

#include "sim/kernel.h"

namespace samsa::sim {

namespace {

// %* : simulated time of the simulation running on the logging thread.
class SimTimeFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    const Kernel* kernel = Kernel::current();
    const std::string text = kernel != nullptr ? format_time(kernel->now()) : std::string("-");
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SimTimeFlag>();
  }
};

// %& : the node whose fiber is logging.
class NodeFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
    const Kernel* kernel = Kernel::current();
    std::string text = "-";
    if (kernel != nullptr) {
      text = kernel->current_node().valid() ? kernel->node_name(kernel->current_node()) : "main";
    }
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<NodeFlag>();
  }
};

std::unique_ptr<spdlog::formatter> make_formatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<SimTimeFlag>('*').add_flag<NodeFlag>('&').set_pattern("%* %& %l %v");
  return formatter;
}

std::mutex& logger_mutex() {
  static std::mutex m;
  return m;
}

std::shared_ptr<spdlog::logger>& logger_slot() {
  static std::shared_ptr<spdlog::logger> slot = [] {
    auto l = std::make_shared<spdlog::logger>(
        "samsa", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    l->set_formatter(make_formatter());
    l->set_level(spdlog::level::warn);
    return l;
  }();
  return slot;
}

}  // namespace

spdlog::logger& logger() { return *logger_slot(); }

void set_log_level(spdlog::level::level_enum level) { logger().set_level(level); }

bool set_log_level(const std::string& name) {
  const auto level = spdlog::level::from_str(name);
  if (level == spdlog::level::off && name != "off") return false;
  set_log_level(level);
  return true;
}

void set_log_file(const std::string& path) {
  std::lock_guard<std::mutex> lock(logger_mutex());
  auto& slot = logger_slot();
  spdlog::sink_ptr sink;
  if (path.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, true);
  }
  auto replacement = std::make_shared<spdlog::logger>("samsa", sink);
  replacement->set_formatter(make_formatter());
  replacement->set_level(slot->level());
  slot = replacement;
}

}  // namespace samsa::sim
