#pragma once

// Planning and following a membership change (paper §4.8.1, §4.9; issue
// "Elastic membership"). Pure functions of the ring: every node computes the
// same plan, gainers, losers and sources.
//
// A change of the members from S to S' computes the next owners with
// claim() (only the partitions that must move, move). Data is stored per
// key partition on the nodes of its preference list, so what a change moves
// is, per partition p, the difference of two preference lists:
//   gainers(p) = next list - current list: must receive p's data;
//   losers(p)  = current list - next list: drop p's data after the flip.
// One node streams p to its gainers: its current home (owners[p]) unless
// that node is being forced out, else the next node of its current list
// that is not.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "messages/ring.hpp"

namespace dkv::detail {

/// The preference list of `p` before and after the transition (without one:
/// both are the current list).
std::vector<std::string> current_preference(const ring_state& ring,
                                            uint32_t p, uint32_t n);
std::vector<std::string> next_preference(const ring_state& ring, uint32_t p,
                                         uint32_t n);

/// Nodes that must receive `p`'s data, and nodes that drop it afterwards,
/// in preference-list order. Empty without a transition.
std::vector<std::string> gainers(const ring_state& ring, uint32_t p,
                                 uint32_t n);
std::vector<std::string> losers(const ring_state& ring, uint32_t p,
                                uint32_t n);

/// Starts the change of `ring` (formed, not in transition) to
/// `next_members` (any order, duplicates ignored). `forced`: members that
/// leave without handing off (down for good): they stream nothing. If no
/// preference list changes the result is already complete. The version is
/// bumped once (twice if complete at once).
ring_state begin_transition(const ring_state& ring,
                            std::vector<std::string> next_members,
                            uint32_t n, const std::set<std::string>& forced);

/// Partitions of the transition that have not flipped yet.
uint32_t partitions_moving(const ring_state& ring);

/// How many partitions each node is home of, now (flipped partitions count
/// for their next owner) and after the transition; one entry per node in
/// either member list, sorted by name.
struct ownership_share {
  std::string node;
  uint32_t now = 0;
  uint32_t next = 0;
};

std::vector<ownership_share> shares(const ring_state& ring);

} // namespace dkv::detail
