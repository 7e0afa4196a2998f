#pragma once

// Membership, ring state and failure detection of one node (paper §4.8;
// DESIGN.md "gossiper").
//
// - Connects to every known node (seeds first, then whatever gossip
//   names), shakes hands (cluster name and Q must match) and pings each
//   connected peer every connect_retry; a phi-accrual detector on those
//   answers suspects a silent peer. That is direct evidence and always wins.
// - Every gossip_interval it bumps its own heartbeat and exchanges the
//   gossip_state (messages/gossip.hpp) with one random usable peer. A node
//   it has no connection to is judged by how its gossiped heartbeat
//   advances (a second phi detector), so suspicion spreads by gossip.
// - The ring is persisted in the metadata database and adopted from gossip
//   when a newer one arrives. A brand-new cluster forms its first ring from
//   the seeds once every seed has answered a gossip exchange without one.
//   Failure detection never changes the ring: only join/leave does.
// - It tells the router (view_atom, cluster_view) and the handoff queue
//   (peer_up_atom / peer_down_atom) whenever their picture changes.
//
// Handles, delegated to it by the router: node_info_request_v1, gossip_v1,
// members_request_v1.

#include <cstdint>
#include <memory>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "actors/node_settings.hpp"
#include "messages/version_vector.hpp"
#include "storage/object_store.hpp"

namespace dkv {

struct gossiper_config {
  node_settings settings;
  std::shared_ptr<storage::object_store> store;
  replica_id incarnation = 0;
  caf::actor router;
  caf::actor handoff;
  /// Answers (connect_atom, host, port) like CAF's middleman does; null:
  /// the middleman. The deterministic simulation puts its network here.
  caf::actor connector;
  /// Seed of the peer choice; 0: a random one.
  uint64_t seed = 0;
};

caf::actor spawn_gossiper(caf::actor_system& sys, gossiper_config cfg);

} // namespace dkv
