#pragma once

// Partition claim (paper §6.2, strategy 3): which member owns each of the Q
// equal partitions. Pure and deterministic: the same previous assignment and
// member set give the same result on every node, whatever the order of the
// member list.
//
// Promises (tests/actors/detail/claim.cpp checks them for 1..64 members and
// Q = 8..1024):
// - balance: every member owns floor(Q/S) or ceil(Q/S) partitions;
// - distinct windows: any N cyclically consecutive partitions have N
//   distinct owners whenever distinct_windows_feasible(Q, S, N);
// - minimal movement: from a previous assignment, a join or leave moves
//   only the partitions it must, plus a few repair swaps when keeping the
//   windows distinct needs them (bounded in the tests).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dkv::detail {

/// True iff a balanced assignment can give every N-window distinct owners:
/// S >= N and no member needs more than floor(Q/N) partitions (a member's
/// partitions must be at least N apart on the ring).
bool distinct_windows_feasible(uint32_t q, uint32_t s, uint32_t n);

/// Owner of each partition. `previous` is the current assignment (empty for
/// a new ring); partitions of members no longer listed are reassigned.
/// REQUIRES: !members.empty(), q >= 1, n >= 1.
std::vector<std::string> claim(const std::vector<std::string>& previous,
                               std::vector<std::string> members, uint32_t q,
                               uint32_t n);

/// Number of N-windows (cyclic) whose owners are not all distinct.
size_t window_violations(const std::vector<std::string>& owners, uint32_t n);

/// The partitions whose owner differs, with their new owner.
std::vector<std::pair<uint32_t, std::string>>
moves(const std::vector<std::string>& before,
      const std::vector<std::string>& after);

} // namespace dkv::detail
