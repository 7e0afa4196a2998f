#pragma once

// The node's published entry point (DESIGN.md "Request flow"). Speaks
// node_actor: validates client requests, finds the key's preference list,
// spawns one coordinator per request (a put only on a node of the list;
// others forward it to the first reachable one), and delegates replica
// requests from peers to the local vnode of the partition.
//
// It also keeps the node's view of its peers: connects to every seed,
// shakes hands (cluster name and Q must match), monitors connections and
// retries lost ones. Membership is the seed list for now; the members seen
// are persisted so a restarted node serves at once.

#include <memory>

#include "caf/fwd.hpp"

#include "actors/node_settings.hpp"
#include "messages/node_protocol.hpp"
#include "storage/object_store.hpp"

namespace dkv {

struct router_config {
  node_settings settings;
  std::shared_ptr<storage::object_store> store;
  replica_id incarnation = 0;
};

/// Spawns the router; the result speaks node_actor (plus internal ticks).
caf::actor spawn_request_router(caf::actor_system& sys, router_config cfg);

} // namespace dkv
