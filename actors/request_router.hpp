#pragma once

// The node's published entry point (DESIGN.md "Request flow"). Speaks
// node_actor: validates client requests, finds the key's preference list,
// coordinates each request in a round of its own (actors/get_round.hpp,
// put_round.hpp; a put only on a node of the list, others forward it to the
// first reachable one), and delegates replica requests from peers to the
// local vnode of the partition.
//
// It spawns the node's handoff queue and gossiper and routes by the view
// the gossiper sends it (messages/membership_protocol.hpp): the ring and
// the peers usable now. Handshakes, gossip and `members` are delegated to
// the gossiper. Losing either child stops the router, so the supervisor
// restarts all three together.

#include <functional>
#include <memory>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "actors/detail/read_gate.hpp"
#include "actors/node_settings.hpp"
#include "messages/node_protocol.hpp"
#include "storage/object_store.hpp"
#include "storage/record_cache.hpp"

namespace dkv {

struct router_config {
  node_settings settings;
  std::shared_ptr<storage::object_store> store;
  /// The records kept for reads in front of the store's engine, for
  /// `status` (null: none).
  std::shared_ptr<storage::record_cache> cache;
  /// Which replica reads the node's network reader may answer (see
  /// actors/detail/read_gate.hpp); the router makes its own when null.
  std::shared_ptr<detail::read_gate> read_gate;
  replica_id incarnation = 0;
  /// Passed to the gossiper (see gossiper_config): how peers are reached,
  /// and its random seed.
  caf::actor connector;
  uint64_t seed = 0;
  /// Wall clock in ms since the epoch for the vnodes' clock-entry
  /// timestamps (default: the system clock; the simulation skews it).
  std::function<uint64_t()> wall_clock_ms;
};

/// Spawns the router; the result speaks node_actor (plus internal ticks).
caf::actor spawn_request_router(caf::actor_system& sys, router_config cfg);

} // namespace dkv
