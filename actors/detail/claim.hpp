#pragma once

// Partition claim (paper §6.2, strategy 3): which member owns each of the Q
// equal partitions. Pure and deterministic: the same previous owners and the
// same member set give the same owners on every node, whatever the order of
// the member list.
//
// Promises, for S members and N replicas (tests/actors/detail/claim.cpp
// checks them for S = 1..64, Q = 8..1024, N in {1, 2, 3, 5}):
// - balance: every member owns floor(Q/S) or ceil(Q/S) partitions;
// - distinct windows: any N cyclically consecutive partitions have N
//   distinct owners (equivalently: two partitions of one member are at
//   least N apart) whenever distinct_windows_feasible(Q, S, N), for new
//   rings and after every join or leave alike;
// - otherwise a new ring has at most violation_floor(Q, S, N) windows with
//   a repeated owner. A join or leave there keeps movement minimal instead:
//   for Q >= 64 and N <= 5 the only infeasible S >= N is S = N, where every
//   preference list names all members whatever the repeats;
// - minimal movement, from a ring with distinct windows (R = partitions the
//   joiner ends with, or the leaver had):
//     join:                moves <= R + N        (measured: R + 3 at most)
//     leave into S' >= 2N: moves <= R + R/3 + N  (measured: R + 0.24 R)
//   Extra moves are exchange chains that keep the windows distinct, one
//   move per hop. Nearer the feasibility edge (a leave into S' < 2N) and on
//   the first join that makes a ring feasible (S = N to N + 1), a ring with
//   distinct windows is nearly rigid and only balance and distinct windows
//   are promised: a leave into S' = N + 1 has moved up to 3.5 R, and one
//   into S' = N with N | Q (the ring must then repeat with period N) most
//   of the ring, as it must. Growing from 1 to 20 members and back moves at
//   most 13% more than the minimum in total (2.6% over the steps with
//   S' >= 2N).
//
// How (claim.cpp): a new ring is a constructive block layout, optimal in
// both cases above. A change starts from the previous owners, frees the
// partitions of departed members, and moves one partition at a time from
// members over their share to members under it, each along the shortest
// exchange chain in which every member takes a partition at least N from
// its others; then evicts what still shares a window and rebalances; if
// that gets stuck, or the result moved much more than needed, it also tries
// the block layout rotated and relabeled to keep the most owners, and takes
// whichever moves less. Quadratic in Q in the worst case: fine for the
// Q <= 4096 that node settings allow (tens of ms, under 0.5 s at worst).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dkv::detail {

/// True iff a balanced ring of `q` partitions over `s` members can give all
/// q windows of `n` consecutive partitions distinct owners. That holds iff
/// ceil(q/s) <= floor(q/n): a member owning c partitions pairwise at least n
/// apart needs c * n <= q (pigeonhole), and the block layout in claim.cpp
/// meets that bound. It implies s >= n and q >= n.
bool distinct_windows_feasible(uint32_t q, uint32_t s, uint32_t n);

/// The repeats each member forces on a balanced ring: a member owning c
/// partitions lacks c * n - q of the room its gaps need, so this is the
/// sum over members of max(0, c * n - q); all q windows if s < n or n > q.
/// 0 iff distinct_windows_feasible(q, s, n) or n == 1. It is the exact
/// fewest windows with a repeated owner for n <= 3 (checked exhaustively
/// for q <= 14); for n >= 4 one window can hold the repeats of two members,
/// so the fewest may be lower.
size_t violation_floor(uint32_t q, uint32_t s, uint32_t n);

/// The owner of each partition. `previous` is the current owner list (empty
/// for a new ring; a list of another size counts as empty); partitions of
/// names not in `members` are reassigned. Duplicates in `members` are
/// ignored. Returns an empty list iff q == 0, n == 0, `members` is empty or
/// holds an empty name.
std::vector<std::string> claim(const std::vector<std::string>& previous,
                               std::vector<std::string> members, uint32_t q,
                               uint32_t n);

/// Number of windows of `n` cyclically consecutive partitions whose owners
/// are not all distinct (a window longer than the ring repeats partitions,
/// so it always counts).
size_t window_violations(const std::vector<std::string>& owners, uint32_t n);

/// The partitions whose owner differs, with their new owner, in partition
/// order. REQUIRES: both lists have the same size.
std::vector<std::pair<uint32_t, std::string>>
moves(const std::vector<std::string>& before,
      const std::vector<std::string>& after);

} // namespace dkv::detail
