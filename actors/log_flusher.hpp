#pragma once

// Group commit (paper §6.1, the durable writer; DESIGN.md "log_flusher").
// A write that must be durable commits without syncing, then asks this
// actor, which flushes the node's log once for every request that arrived
// before the flush began and answers them all. Concurrent durable writes
// thus share one fsync instead of queueing for one each.
//
// It runs on its own thread in a node (detached), so the node's scheduler
// keeps serving while the disk syncs, and what arrives meanwhile joins the
// next flush.

#include <atomic>
#include <cstdint>
#include <memory>

#include "caf/fwd.hpp"

#include "messages/log_flush_protocol.hpp"
#include "storage/object_store.hpp"

namespace dkv {

/// What the flusher did, read by the node's status while it may be in the
/// middle of an fsync (hence shared atomics, not a request).
struct log_flush_stats {
  std::atomic<uint64_t> flushes{0};
  /// Writes answered by the flushes: per flush, the writes that shared it.
  std::atomic<uint64_t> writes{0};
  std::atomic<uint64_t> failures{0};
};

struct log_flusher_config {
  /// The node's storage (its engine is flushed): shared, so it outlives
  /// the flusher.
  std::shared_ptr<storage::object_store> store;
  /// On its own thread (a node) or on the scheduler (deterministic tests).
  bool own_thread = true;
  /// Counters to keep (optional).
  std::shared_ptr<log_flush_stats> stats;
};

log_flusher_actor spawn_log_flusher(caf::actor_system& sys,
                                    log_flusher_config cfg);

/// What a durable write answers when its flush request fails: the
/// flusher's own error (a storage failure), or, when the flusher is gone
/// (the router then restarts), a storage failure saying that the write is
/// stored but not known to be durable, not CAF's request_receiver_down.
caf::error flush_failure(caf::error err);

} // namespace dkv
