#include "actors/node_settings.hpp"

#include <cctype>

namespace dkv {

const char* to_string(sync_policy x) {
  switch (x) {
  case sync_policy::all:
    return "all";
  case sync_policy::one:
    return "one";
  case sync_policy::none:
    return "none";
  }
  return "?";
}

bool parse_sync_policy(const std::string& text, sync_policy& out) {
  for (auto x : {sync_policy::all, sync_policy::one, sync_policy::none})
    if (text == to_string(x)) {
      out = x;
      return true;
    }
  return false;
}

bool parse_address(const std::string& text, std::string& host, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return false;
  auto digits = text.substr(colon + 1);
  if (digits.size() > 5)
    return false;
  uint32_t value = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value == 0 || value > 65535)
    return false;
  host = text.substr(0, colon);
  port = static_cast<uint16_t>(value);
  return true;
}

namespace {

bool is_power_of_two(uint32_t x) {
  return x != 0 && (x & (x - 1)) == 0;
}

std::string num(uint64_t x) {
  return std::to_string(x);
}

} // namespace

std::string validate(const node_settings& s) {
  if (s.cluster.empty())
    return "dkv.cluster: must not be empty";
  if (s.name.empty())
    return "dkv.name: must not be empty (e.g. name=\"node1\")";
  for (char c : s.name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_'
        && c != '.')
      return "dkv.name: '" + s.name
             + "' may only contain letters, digits, '-', '_' and '.'";
  if (s.host.empty())
    return "dkv.host: must not be empty";
  if (s.port == 0)
    return "dkv.port: must be 1..65535";
  if (s.data_dir.empty())
    return "dkv.data-dir: must not be empty";
  for (auto& seed : s.seeds) {
    std::string host;
    uint16_t port = 0;
    if (!parse_address(seed, host, port))
      return "dkv.seeds: '" + seed + "' is not host:port";
  }
  if (!is_power_of_two(s.partitions) || s.partitions < 8 || s.partitions > 4096)
    return "dkv.partitions: " + num(s.partitions)
           + " must be a power of two in 8..4096";
  if (s.n < 1 || s.n > 16)
    return "dkv.n: " + num(s.n) + " must be in 1..16";
  if (s.r < 1 || s.r > s.n)
    return "dkv.r: " + num(s.r) + " must be in 1..dkv.n (" + num(s.n) + ")";
  if (s.w < 1 || s.w > s.n)
    return "dkv.w: " + num(s.w) + " must be in 1..dkv.n (" + num(s.n) + ")";
  if (s.request_timeout.count() <= 0)
    return "dkv.request-timeout: must be positive";
  if (s.connect_retry.count() <= 0)
    return "dkv.connect-retry: must be positive";
  if (s.aae_interval.count() <= 0)
    return "dkv.aae-interval: must be positive (e.g. 1s)";
  if (s.aae_concurrency < 1 || s.aae_concurrency > 64)
    return "dkv.aae-concurrency: must be in 1..64";
  if (s.transfer_concurrency < 1 || s.transfer_concurrency > 64)
    return "dkv.transfer-concurrency: must be in 1..64";
  if (s.gossip_interval.count() <= 0)
    return "dkv.gossip-interval: must be positive (e.g. 1s)";
  if (!(s.phi_threshold >= 1.0 && s.phi_threshold <= 100.0))
    return "dkv.phi-threshold: must be in 1..100 (8 is the usual choice)";
  if (s.limits.max_key_bytes < 1 || s.limits.max_key_bytes > 65536)
    return "dkv.max-key-bytes: must be in 1..65536";
  if (s.limits.max_value_bytes < 1
      || s.limits.max_value_bytes > 64 * 1024 * 1024)
    return "dkv.max-value-bytes: must be in 1..67108864";
  if (s.limits.max_siblings < 1 || s.limits.max_siblings > 100000)
    return "dkv.max-siblings: must be in 1..100000";
  if (s.max_clock_entries < 2)
    return "dkv.max-clock-entries: must be at least 2";
  if (s.max_requests_in_flight < 1 || s.max_requests_in_flight > 1000000)
    return "dkv.max-requests-in-flight: must be in 1..1000000";
  static const char* levels[]
    = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  bool level_ok = false;
  for (auto lvl : levels)
    level_ok = level_ok || s.log_level == lvl;
  if (!level_ok)
    return "dkv.log-level: '" + s.log_level
           + "' must be one of trace, debug, info, warn, error, critical, off";
  return {};
}

} // namespace dkv
