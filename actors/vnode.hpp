#pragma once

// One partition's replica on this node: owns the partition's database and
// serialises every read-modify-write of its keys (the actor is the lock).
//
// It also keeps the partition's Merkle tree for anti-entropy, built by one
// fold when the vnode starts and updated with every write it serialises, so
// the tree is exact without locks and no exchange ever rebuilds it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "caf/actor_clock.hpp"

#include "actors/detail/merkle_tree.hpp"
#include "actors/detail/reaped_memory.hpp"
#include "messages/log_flush_protocol.hpp"
#include "messages/vnode_protocol.hpp"
#include "storage/object_store.hpp"

namespace dkv {

struct vnode_config {
  uint32_t partition = 0;
  /// Shared by all vnodes of the node; the engine is thread-safe.
  std::shared_ptr<storage::object_store> store;
  /// This incarnation's clock identity (fresh per data directory); the
  /// vnode writes with per-key epoch ids derived from it.
  replica_id self = 0;
  size_t max_clock_entries = default_max_clock_entries;
  /// Wall clock in ms since the epoch, for clock-entry timestamps (pruning).
  std::function<uint64_t()> wall_clock_ms;
  /// How long a reaped key's clock is remembered, so that an older version
  /// still in flight (an anti-entropy repair or replication that started
  /// before the reap) cannot bring the key back.
  std::chrono::milliseconds reaped_memory{60000};
  /// What the router remembers of the partition's recent reaps.
  detail::reaped_memory reaped;
  /// Group commit (actors/log_flusher.hpp): a durable write commits without
  /// syncing and is answered once this actor has flushed the log. Without
  /// it, each durable write syncs on commit.
  log_flusher_actor log_flusher;
  /// Every merge and coordinated write is durable (durability "all"), not
  /// only those that ask for it.
  bool sync_every_write = false;
};

struct vnode_state {
  static inline const char* name = "dkv.vnode";
  vnode_config cfg;
  detail::merkle_tree tree;
  /// Keys whose object holds only tombstones: candidates for reaping.
  std::set<std::string> tombstones;
  uint64_t reaped = 0;
  /// Clocks of recently reaped keys, for versions still in flight.
  detail::reaped_memory reaped_recently;
  /// Next fresh epoch, and the first one not covered by the persisted
  /// lease (actors/detail/clock_epochs.hpp).
  uint32_t epoch_next = 1;
  uint32_t epoch_lease = 1;
  /// Own ids of older epochs are never continued: those of an earlier run
  /// of this vnode (actors/detail/clock_epochs.hpp).
  uint32_t epoch_floor = 1;
  /// Keys whose copy may show an older counter of an own id than this
  /// vnode issued (reaped here, or a pruned clock merged in), not written
  /// here since: their next write takes a fresh epoch.
  std::set<std::string> fresh_epoch_keys;
  uint64_t gets = 0;
  uint64_t merges = 0;
  uint64_t coordinated = 0;
};

/// Opens the partition's database at start; an open failure ends the actor
/// with a storage_failure exit reason, so its supervisor sees why.
vnode_actor::behavior_type
vnode(vnode_actor::stateful_pointer<vnode_state> self, vnode_config cfg);

/// The system clock in ms since the epoch.
uint64_t system_clock_ms();

} // namespace dkv
