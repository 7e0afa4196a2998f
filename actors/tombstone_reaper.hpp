#pragma once

// One round of tombstone reaping for one partition (DESIGN.md "Deletes").
// A tombstone may go only when no replica could bring back what it deleted:
//
//   listing   the local vnode's keys that hold only tombstones (a batch)
//   asking    every node of the cluster (all must answer): its copy's hash
//             of each key, and its pending hints of the partition
//   deciding  a key is reapable iff every primary holds exactly this
//             tombstone, every other node holds it or nothing, and no node
//             holds a hint of the partition (a hinted older write could
//             otherwise arrive after the reap and resurrect the key)
//   reaping   each node holding a copy removes it if it is still that exact
//             tombstone (a put since then keeps the key)
//
// So a node that is down, or a replica that missed the delete, stops the
// round: never a timer alone. Per-round actor spawned by the entropy
// manager; if it dies early `finish` still gets an error.

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "caf/fwd.hpp"
#include "caf/timespan.hpp"

#include "messages/node_protocol.hpp"

namespace dkv {

struct reap_stats {
  uint64_t candidates = 0;
  uint64_t reaped = 0; // copies removed, over all nodes
};

struct reaper_config {
  uint32_t partition = 0;
  std::string self_name;
  /// Every node of the cluster by name, this one included (its router).
  std::map<std::string, node_actor> nodes;
  /// The partition's primary replicas (names).
  std::set<std::string> primaries;
  uint32_t batch = 256;
  caf::timespan timeout;
  std::function<void(caf::expected<reap_stats>)> finish;
};

caf::actor spawn_tombstone_reaper(caf::actor_system& sys, reaper_config cfg);

} // namespace dkv
