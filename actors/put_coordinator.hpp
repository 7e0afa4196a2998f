#pragma once

// One put or delete (paper §4.5, like Riak's put FSM): write locally with a
// new dot, replicate the resulting object to the other replicas, answer after
// W acknowledgements (the local one counts) or fail with quorum_unavailable.
//
//   coordinating --local ok--> waiting_for_w --W acks--> replied
//        |                          |                       |
//   local error              W out of reach          remaining acks
//        v                          v                       v
//     failed                 quorum_unavailable          (exit)
//
// With durability "one" the local write's fsync (the node's group commit)
// runs while the replicas are asked; the put waits for both.
//
// Per-request actor: never restarted; if it dies early, `finish` still gets
// an error (no request left hanging).

#include <functional>
#include <vector>

#include "caf/fwd.hpp"
#include "caf/timespan.hpp"

#include "actors/replica_target.hpp"
#include "messages/log_flush_protocol.hpp"

namespace dkv {

struct put_coordinator_config {
  /// targets[0] is the local vnode (the coordinator writes there first).
  std::vector<replica_target> targets;
  /// Nodes that gain the partition in a ring transition: they get the
  /// stored object as well, but their answers do not count toward W.
  std::vector<replica_target> pending;
  size_t w = 2;
  caf::timespan timeout;
  /// When set, the coordinator sets no timer: its spawner sends it
  /// coordinator_deadline_atom once `timeout` passed (the router serves all
  /// of its coordinators with one timer; a timer each woke CAF's clock
  /// thread for every write and kept the ended coordinator's memory for the
  /// whole timeout). Without the message, a silent replica holds it forever.
  bool external_deadline = false;
  /// The new version's partition, key, context, value or tombstone.
  vnode_coordinate_v1 write;
  /// When set, the local write must reach the disk (durability "one"):
  /// it is committed without a sync, replicated at once, and the put
  /// succeeds only after this node's group commit flushed it, so the
  /// fsync and the replicas' round trip overlap.
  log_flusher_actor flusher;
  /// Called exactly once: the stored object, or the error.
  std::function<void(caf::expected<object>)> finish;
};

/// Spawns the coordinator; it starts at once.
caf::actor spawn_put_coordinator(caf::actor_system& sys,
                                 put_coordinator_config cfg);

} // namespace dkv
