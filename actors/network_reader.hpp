#pragma once

// Answers a node's replica reads on its network thread when the record
// cache holds them: a CAF broker (spawned into the middleman) speaking the
// replica reader's interface, to which clients send their reads directly
// (they ask the router for it: reader_request_v1). A read delivered to a
// broker by the network thread runs on that thread, and its answer goes out
// on it too: no hand-over to a scheduler thread and back, which is most of
// a lone read's time on the node (a bare CAF round trip served this way
// took 0.042-0.044 ms against 0.054-0.057 from a scheduled actor, session
// 25). Only lookups that cannot block run here: a read the gate does not
// let through (actors/detail/read_gate.hpp) or the cache does not hold
// goes on to the router, which answers it as before (a batch sends only
// its misses and is answered whole).

#include <atomic>
#include <cstdint>
#include <memory>

#include "caf/fwd.hpp"

#include "actors/detail/read_gate.hpp"
#include "messages/replica_reader_protocol.hpp"
#include "storage/record_cache.hpp"

namespace dkv {

/// Counted by the reader, shown by the router's `status`.
struct network_reader_stats {
  std::atomic<uint64_t> answered{0};  // reads answered from the cache here
  std::atomic<uint64_t> passed_on{0}; // reads sent on to the router
  std::atomic<uint64_t> batches{0};   // batches that came here
  std::atomic<uint64_t> batched{0};   // reads in them
};

struct network_reader_config {
  std::shared_ptr<storage::record_cache> cache;
  std::shared_ptr<detail::read_gate> gate;
  /// Answers every read not answered here (the node's router).
  replica_reader_actor router;
  std::shared_ptr<network_reader_stats> stats;
};

/// Spawns the reader on the system's middleman (which must be loaded).
replica_reader_actor spawn_network_reader(caf::actor_system& sys,
                                          network_reader_config cfg);

} // namespace dkv
