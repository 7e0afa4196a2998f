#pragma once

// Hinted handoff (paper §4.6; DESIGN.md "handoff_queue"). Stores objects
// written to this node on behalf of an unreachable home replica together
// with a durable hint, and delivers them once the owner is reachable again:
// in batches, each object acknowledged by the owner before its hint is
// deleted, retrying with exponential backoff.
//
//   vnode_hint_v1                  -> vnode_object_v1  (from the router)
//   peer_up_atom, name, actor      owner reachable (its published actor)
//   peer_down_atom, name           owner unreachable
//   get_atom                       -> std::vector<hint_count>
//
// Hint first, then the object: a crash in between leaves a hint whose
// delivery sends what is stored (possibly nothing), never an object that
// nobody will hand off.

#include <chrono>
#include <memory>

#include "caf/actor.hpp"
#include "caf/atom.hpp"
#include "caf/fwd.hpp"

#include "storage/hint_store.hpp"
#include "storage/object_store.hpp"

namespace dkv {

using peer_up_atom = caf::atom_constant<caf::atom("peer_up")>;
using peer_down_atom = caf::atom_constant<caf::atom("peer_down")>;

struct handoff_config {
  std::shared_ptr<storage::object_store> store;
  std::shared_ptr<storage::hint_store> hints;
  /// The node's router: local merges go through it to the partition's vnode,
  /// which serialises them with the vnode's other writes.
  caf::actor router;
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds request_timeout{2000};
  size_t batch = 64;
  /// Longest wait between delivery attempts to an owner that keeps failing.
  std::chrono::milliseconds max_backoff{30000};
};

caf::actor spawn_handoff_queue(caf::actor_system& sys, handoff_config cfg);

} // namespace dkv
