#pragma once

// Parsing dkv-bench's --nodes=host:port,host:port,... No CAF, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dkv::bench {

using endpoint = std::pair<std::string, uint16_t>;

/// "h1:p1,h2:p2" as endpoints (the port follows the last ':'); nothing if
/// the list is empty or an entry lacks a host or a port in 1..65535.
inline std::optional<std::vector<endpoint>>
parse_endpoints(const std::string& list) {
  std::vector<endpoint> result;
  size_t pos = 0;
  while (pos <= list.size()) {
    auto comma = list.find(',', pos);
    auto item
      = list.substr(pos, comma == std::string::npos ? comma : comma - pos);
    auto colon = item.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == item.size()
        || item.size() - colon > 6)
      return std::nullopt;
    uint32_t port = 0;
    for (auto c : item.substr(colon + 1)) {
      if (c < '0' || c > '9')
        return std::nullopt;
      port = port * 10 + static_cast<uint32_t>(c - '0');
    }
    if (port == 0 || port > 65535)
      return std::nullopt;
    result.emplace_back(item.substr(0, colon), static_cast<uint16_t>(port));
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  if (result.empty())
    return std::nullopt;
  return result;
}

} // namespace dkv::bench
