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

  friend bool operator==(const ring_state& x, const ring_state& y) {
    return x.partitions == y.partitions && x.members == y.members
           && x.owners == y.owners && x.version == y.version;
  }
  friend bool operator!=(const ring_state& x, const ring_state& y) {
    return !(x == y);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ring_state& x) {
  return f(caf::meta::type_name("ring_state"), x.partitions, x.members,
           x.owners, x.version);
}

// -- logic (ring.cpp) ---------------------------------------------------------

/// Checks the invariants of a ring received from elsewhere. Returns an empty
/// string if they hold, else what is wrong (for a log line).
std::string validate(const ring_state& x);

/// A deterministic total order for merging rings: the higher version wins;
/// two different rings with the same version (two concurrent changes) are
/// ordered by their contents, so every node picks the same one.
bool supersedes(const ring_state& x, const ring_state& y);

} // namespace dkv
