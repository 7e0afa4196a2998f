#pragma once

// One spdlog logger per actor kind, all writing to the node's sink with the
// node's name in every line; events use stable names ("peer.up name=...").

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace dkv {

/// Sets the node-wide level and line prefix; call once at start.
void init_logging(const std::string& node_name, const std::string& level);

/// The logger for `component` (e.g. "router"), created on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

} // namespace dkv
