#pragma once

#include <string>

#include "messages/vnode_protocol.hpp"

namespace dkv {

/// A replica a coordinator talks to: the node's name and a handle speaking
/// the vnode protocol (the local vnode, or a peer's published actor, which
/// delegates to its vnode). A null handle means "unreachable now".
struct replica_target {
  std::string node;
  vnode_actor handle;
};

} // namespace dkv
