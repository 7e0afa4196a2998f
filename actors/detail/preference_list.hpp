#pragma once

// Preference lists (paper §4.3): the first N distinct nodes walking
// clockwise from a key's partition, then the remaining nodes as fallbacks.

#include <cstdint>
#include <string>
#include <vector>

namespace dkv::detail {

/// The N primary replicas of `partition` in order (fewer if the ring has
/// fewer than N distinct owners). `owners[i]` owns partition i.
std::vector<std::string> preference_list(const std::vector<std::string>& owners,
                                         uint32_t partition, uint32_t n);

/// Every distinct owner in walk order from `partition`: the first N are the
/// primaries, the rest the fallbacks of a sloppy quorum.
std::vector<std::string>
extended_preference_list(const std::vector<std::string>& owners,
                         uint32_t partition);

/// The partitions whose primaries include `node`.
std::vector<uint32_t>
partitions_replicated_by(const std::vector<std::string>& owners,
                         const std::string& node, uint32_t n);

} // namespace dkv::detail
