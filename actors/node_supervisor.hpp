#pragma once

// The root of a node's actors (DESIGN.md "Actors of one node"). Spawns the
// request router (which owns the vnodes), monitors it, and restarts it after
// a crash within a restart budget, re-publishing it on the node's port. Past
// the budget it escalates: it stops with the router's exit reason, and
// dkv-node exits with a log line instead of limping on.
//
//   get_atom -> actor   the current router (the node's entry point)
//
// Vnodes are restarted by the router itself: a crashed vnode is respawned,
// reopening its database, on the next request for its partition; requests
// in flight at the crash get an error from CAF (receiver down).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "caf/fwd.hpp"

#include "actors/request_router.hpp"

namespace dkv {

struct supervisor_config {
  router_config router;
  /// Port to re-publish a restarted router on (0: not published).
  uint16_t port = 0;
  size_t max_restarts = 10;
  /// Told of every router it starts, and of nullptr when it gives up (for
  /// an embedder that routes to the current router itself, as the
  /// simulation does).
  std::function<void(caf::actor)> on_router;
  std::chrono::milliseconds restart_window{10000};
};

caf::actor spawn_node_supervisor(caf::actor_system& sys,
                                 supervisor_config cfg);

} // namespace dkv
