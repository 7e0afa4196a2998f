#include "actors/logging.hpp"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace dkv {

namespace {

std::mutex logging_mtx;
std::string node_prefix = "dkv";
spdlog::level::level_enum node_level = spdlog::level::info;

spdlog::sink_ptr shared_sink() {
  // stderr keeps stdout free for the console's JSON and for scripts.
  static auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  return sink;
}

} // namespace

void init_logging(const std::string& node_name, const std::string& level) {
  std::lock_guard<std::mutex> guard{logging_mtx};
  node_prefix = node_name;
  node_level = spdlog::level::from_str(level);
}

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  std::lock_guard<std::mutex> guard{logging_mtx};
  auto name = node_prefix + "." + component;
  if (auto existing = spdlog::get(name))
    return existing;
  auto result = std::make_shared<spdlog::logger>(name, shared_sink());
  result->set_level(node_level);
  result->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  spdlog::register_logger(result);
  return result;
}

} // namespace dkv
