#pragma once

// Preference lists (paper §4.3): who stores a key. Walk the ring clockwise
// from the key's partition (actors/detail/key_hash.hpp) and collect owners,
// skipping any already collected: the first N distinct owners are the
// key's primary replicas (the first is its home), the others, in walk
// order, the fallbacks a sloppy quorum writes to while primaries are down.
// Where claim() keeps every N consecutive partitions on distinct owners
// (claim.hpp), the primaries of partition p are simply the owners of p,
// p+1, ..., p+N-1; skipping repeats keeps N distinct nodes where it cannot.
// Pure functions of the owner list: every node computes the same lists.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/ring.hpp"

namespace dkv::detail {

/// The primary replicas of `partition`, in walk order: min(n, number of
/// distinct owners) names. `owners[i]` owns partition i; empty names (no
/// owner known) are skipped. Empty if `partition` is out of range.
std::vector<std::string> preference_list(const std::vector<std::string>& owners,
                                         uint32_t partition, uint32_t n);

/// During a transition: by the owners in force for `partition`
/// (owners_for()).
std::vector<std::string> preference_list(const ring_state& ring,
                                         uint32_t partition, uint32_t n);

/// Every distinct owner in walk order from `partition`: the first n are
/// preference_list(owners, partition, n), the rest the fallbacks, each node
/// exactly once.
std::vector<std::string>
extended_preference_list(const std::vector<std::string>& owners,
                         uint32_t partition);

std::vector<std::string> extended_preference_list(const ring_state& ring,
                                                  uint32_t partition);

/// The partitions, ascending, whose preference list (of length n) names
/// `node`: those it stores a primary replica of, hence its vnodes.
std::vector<uint32_t>
partitions_replicated_by(const std::vector<std::string>& owners,
                         const std::string& node, uint32_t n);

} // namespace dkv::detail
