#pragma once

// Streams one partition from this node (its source in a ring transition) to
// every node that gains it (paper §4.9; messages/transfer_protocol.hpp).
// Per target, in turn:
//
//   offering --accept--> streaming --all batches acked--> syncing
//      |  complete already                                   |
//      +------------------------------------------+    one anti-entropy
//                                                 v    exchange catches
//                                            confirming    writes the fold
//                                                 |        had passed
//                                       confirmed v
//                                            next target ... finish
//
// Streaming folds the partition's keys (after the target's resume point),
// reads their objects in batches of bounded size, asks the transfer manager
// for each batch's bytes (the rate limit), and keeps at most `window`
// batches unacknowledged. Any error ends the transfer with that error; the
// manager retries later and the target's resume point makes the retry cheap.
//
// Per-transfer actor, spawned by the transfer manager; never restarted.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "caf/fwd.hpp"
#include "caf/timespan.hpp"

#include "messages/node_protocol.hpp"
#include "storage/object_store.hpp"

namespace dkv {

struct transfer_target {
  std::string name;
  node_actor handle;
};

/// What a finished transfer sent, over all its targets.
struct transfer_totals {
  uint64_t keys = 0;
  uint64_t bytes = 0;
};

struct partition_transfer_config {
  uint32_t partition = 0;
  uint64_t ring_version = 0;
  std::string source; // this node's name
  std::vector<transfer_target> targets;
  std::shared_ptr<storage::object_store> store;
  /// This node's published actor: delegates the vnode protocol to the
  /// partition's vnode (the anti-entropy exchange's local side).
  vnode_actor local;
  /// Answers (grant_atom, bytes) with grant_atom when they may be sent.
  caf::actor manager;
  caf::timespan timeout;
  size_t batch_bytes = 256 * 1024;
  size_t batch_keys = 512;
  size_t window = 4;
  /// Progress: target, state, keys and bytes sent to it so far.
  std::function<void(const std::string&, const std::string&, uint64_t,
                     uint64_t)>
    progress;
  /// Called once: what was sent to all targets, or the first error.
  std::function<void(caf::expected<transfer_totals>)> finish;
};

caf::actor spawn_partition_transfer(caf::actor_system& sys,
                                    partition_transfer_config cfg);

} // namespace dkv
