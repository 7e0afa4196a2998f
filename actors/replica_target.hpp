#pragma once

#include <string>

#include "caf/actor.hpp"

#include "messages/vnode_protocol.hpp"

namespace dkv {

/// A replica a coordinator talks to: the node's name and a handle speaking
/// the vnode protocol (the local vnode, or a peer's published actor, which
/// delegates to its vnode). A null handle means "unreachable now".
struct replica_target {
  std::string node;
  vnode_actor handle;
  /// Non-empty when `node` stands in for an unreachable home replica
  /// (sloppy quorum): writes then go as vnode_hint_v1 to `hint_handle`.
  std::string hint_for;
  caf::actor hint_handle;
  /// Set for a peer when reads and merges go through the node's outbox to
  /// it (peer_outbox.hpp), which batches them under load.
  caf::actor outbox;
};

} // namespace dkv
