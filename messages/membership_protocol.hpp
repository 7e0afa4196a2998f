#pragma once

// Between a node's gossiper and its request router (node-local, never sent
// over the network):
//
//   view_atom, cluster_view   gossiper -> router whenever the ring or the
//                             set of usable peers changed
//
// The router routes with the view alone; the gossiper owns connections,
// failure detection and the gossiped ring (actors/gossiper.hpp).

#include <map>
#include <string>
#include <vector>

#include "caf/atom.hpp"

#include "messages/inspect.hpp"
#include "messages/node_protocol.hpp"
#include "messages/ring.hpp"

namespace dkv {

using view_atom = caf::atom_constant<caf::atom("view")>;

// Partition transfer, node-local (actors/transfer_manager.hpp):
//   partition_moved_atom, p, ring version   transfer manager -> gossiper:
//                                           p's data reached all its gainers;
//                                           flip it in that transition
//   retire_atom, p        -> vnode_actor    transfer manager -> router: stop
//                                           serving p's replica requests
//                                           (this node left p's list); the
//                                           answer is p's vnode, for the
//                                           final exchanges
//   drop_atom, p          -> bool           transfer manager -> router: stop
//                                           p's vnode and drop its database
//   grant_atom, bytes     -> grant_atom     partition transfer -> transfer
//                                           manager: may I send this many
//                                           bytes now? (the rate limit)
using partition_moved_atom = caf::atom_constant<caf::atom("p_moved")>;
using retire_atom = caf::atom_constant<caf::atom("retire")>;
using drop_atom = caf::atom_constant<caf::atom("drop_part")>;
using grant_atom = caf::atom_constant<caf::atom("grant")>;

struct cluster_view {
  ring_state ring; // version 0: not formed yet
  /// Peers a request may go to now: connected, shaken hands, not suspected.
  std::map<std::string, node_actor> usable;
  /// Why the ring is not formed yet (for the client's error), else empty.
  std::string forming;
  /// Every other node in the gossiped directory, usable or not: whoever may
  /// hold a copy or a hint (tombstone reaping needs them all).
  std::vector<std::string> known;
};

DKV_INSPECT(cluster_view, x.ring, x.usable, x.forming, x.known)

} // namespace dkv
