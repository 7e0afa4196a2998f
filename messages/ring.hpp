#pragma once

// The ring (paper §4.2, §6.2 strategy 3): Q equal partitions of the 64-bit
// key-hash space (actors/detail/key_hash.hpp) and the member that owns each.
// Pure value types: no actors, no I/O.
//
// A ring_state is a versioned value spread by gossip (messages/gossip.hpp):
// a node that changes the membership (join, leave) recomputes the owners
// with detail::claim() from the previous owners and bumps the version; a
// node that receives a ring keeps whichever of the two supersedes() the
// other, so every node settles on the same ring whatever the order of
// arrival. Members are named by their stable node names; where to reach
// them is the gossiped member directory's business.
//
// A committed join or leave (paper §4.9) does not flip ownership at once:
// the ring carries the change as a transition (next_members, next_owners,
// and per partition the node that streams it and whether its new
// preference list is in force yet). A partition flips ("moved") only once
// its data reached every node that gains it; flips of one transition are
// merged by union, so they commute. When every partition has flipped, the
// next owners become the owners (version + 1), on every node alike
// (actors/detail/ring_transition.hpp).

#include <cstdint>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"

namespace dkv {

/// Who owns which partition. Invariants (see validate()): `partitions` is a
/// power of two; `members` sorted, unique, non-empty names; `owners` has one
/// member name per partition, in ring order (partition i covers the hash
/// range [i * 2^64 / Q, (i + 1) * 2^64 / Q)).
struct ring_state {
  /// Q, fixed when the cluster is created.
  uint32_t partitions = 0;
  /// The names of the members the owners were claimed for.
  std::vector<std::string> members;
  /// `owners[i]` owns partition i.
  std::vector<std::string> owners;
  /// Bumped by every change of the members or owners; 0 means "no ring yet".
  uint64_t version = 0;
  /// The transition in progress; all four are empty when there is none.
  /// The members and owners after it (same invariants as above).
  std::vector<std::string> next_members;
  std::vector<std::string> next_owners;
  /// Per partition: the node that streams it to the nodes that gain it;
  /// empty when its preference list does not change (or no replica is left
  /// to stream it after a forced leave).
  std::vector<std::string> sources;
  /// Per partition: 1 once the next owners decide its preference list.
  std::vector<uint8_t> moved;

  friend bool operator==(const ring_state& x, const ring_state& y) {
    return x.partitions == y.partitions && x.members == y.members
           && x.owners == y.owners && x.version == y.version
           && x.next_members == y.next_members
           && x.next_owners == y.next_owners && x.sources == y.sources
           && x.moved == y.moved;
  }
  friend bool operator!=(const ring_state& x, const ring_state& y) {
    return !(x == y);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ring_state& x) {
  return f(caf::meta::type_name("ring_state"), x.partitions, x.members,
           x.owners, x.version, x.next_members, x.next_owners, x.sources,
           x.moved);
}

// -- logic (ring.cpp) ---------------------------------------------------------

/// Checks the invariants of a ring received from elsewhere. Returns an empty
/// string if they hold, else what is wrong (for a log line).
std::string validate(const ring_state& x);

/// A deterministic total order for merging rings: the higher version wins;
/// two different rings with the same version (two concurrent changes) are
/// ordered by their contents, so every node picks the same one. The flips
/// (`moved`) do not take part: see merge_rings().
bool supersedes(const ring_state& x, const ring_state& y);

/// True if both are the same ring or the same transition, flips aside.
bool same_change(const ring_state& x, const ring_state& y);

/// True while a committed change is still moving partitions.
inline bool in_transition(const ring_state& x) {
  return !x.next_owners.empty();
}

/// Merges `theirs` into `ours`: the same transition gains the union of both
/// sides' flips (completing it once every partition flipped), else the ring
/// that supersedes() wins. Commutative, associative and idempotent. Returns
/// whether `ours` changed.
bool merge_rings(ring_state& ours, const ring_state& theirs);

/// The owner list that decides partition `p`'s preference list: the next
/// owners once `p` flipped, else the current ones.
inline const std::vector<std::string>& owners_for(const ring_state& x,
                                                  uint32_t p) {
  return in_transition(x) && p < x.moved.size() && x.moved[p] != 0
           ? x.next_owners
           : x.owners;
}

/// Once every partition of a transition flipped: the next members and
/// owners become the ring (version + 1). Returns whether it did.
bool complete_transition(ring_state& x);

} // namespace dkv
