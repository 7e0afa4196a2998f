#pragma once

// What nodes gossip (paper §4.8): the ring plus a directory of every node
// known to the cluster, merged so that every node ends with the same value
// whatever the order in which it heard the others (the merge is
// commutative, associative and idempotent; tests/messages/gossip.cpp).
//
//   gossip_v1 -> gossip_v1   push-pull: the callee merges the caller's state
//                            and answers with its merged state
//
// Error: invalid_argument when the caller belongs to another cluster or runs
// another Q; the callee's state is left untouched.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/inspect.hpp"
#include "messages/ring.hpp"

namespace dkv {

/// One node as the cluster knows it. Only the node itself creates a newer
/// record of itself: `generation` when it starts (wall-clock milliseconds,
/// so a restart outranks every record of an earlier run), `heartbeat` once
/// per gossip round. Others only pass records on, so the freshest record
/// of a node is the one with the highest (generation, heartbeat).
struct member_record {
  std::string name;
  std::string address; // host:port it publishes on
  uint64_t generation = 0;
  uint64_t heartbeat = 0;

  friend bool operator==(const member_record& x, const member_record& y) {
    return x.name == y.name && x.address == y.address
           && x.generation == y.generation && x.heartbeat == y.heartbeat;
  }
};

DKV_INSPECT(member_record, x.name, x.address, x.generation, x.heartbeat)

struct gossip_state {
  std::string cluster;
  uint32_t partitions = 0;
  ring_state ring;                    // version 0: not formed yet
  std::vector<member_record> members; // sorted by name, unique

  friend bool operator==(const gossip_state& x, const gossip_state& y) {
    return x.cluster == y.cluster && x.partitions == y.partitions
           && x.ring == y.ring && x.members == y.members;
  }
};

DKV_INSPECT(gossip_state, x.cluster, x.partitions, x.ring, x.members)

struct gossip_v1 {
  gossip_state state;
};

DKV_INSPECT(gossip_v1, x.state)

// -- logic (gossip.cpp) -------------------------------------------------------

/// Checks a state received from a peer against ours: same cluster and Q,
/// a valid ring (or none), sorted unique well-formed member records.
/// Returns an empty string if it may be merged, else why not.
std::string check_foreign(const gossip_state& ours, const gossip_state& theirs);

/// What a merge changed, so the caller persists and re-plans only then.
struct merge_result {
  bool ring_changed = false;
  /// Names whose record advanced (a newer heartbeat or generation).
  std::vector<std::string> advanced;
};

/// Merges `theirs` into `ours`: the rings by merge_rings() (the one that
/// supersedes, or the union of one transition's flips), and per name the
/// freshest record. `theirs` must have passed check_foreign().
merge_result merge(gossip_state& ours, const gossip_state& theirs);

/// The record of `name`, or null.
const member_record* find_member(const gossip_state& x,
                                 const std::string& name);

/// Inserts or replaces the record of `x.name`, keeping members sorted.
void upsert(gossip_state& state, member_record x);

} // namespace dkv
