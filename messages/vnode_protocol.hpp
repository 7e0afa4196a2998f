#pragma once

// The replica interface of one partition (a vnode). Coordinators on any node
// send these; a node's published actor delegates them to the local vnode of
// `partition`, which answers the coordinator directly.
//
//   vnode_get_v1        -> vnode_object_v1  the stored object (no siblings:
//                                           absent)
//   vnode_merge_v1      -> vnode_object_v1  merges by causality, stores, and
//                                           returns the merged state
//   vnode_coordinate_v1 -> vnode_object_v1  new version with a fresh dot from
//                                           this node, stored; the object to
//                                           replicate
//
// Errors: storage_failure (I/O, full disk, corrupt record), invalid_argument
// (key/value bounds), wrong_node (partition not held here).

#include <cstdint>
#include <string>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/inspect.hpp"
#include "messages/object.hpp"

namespace dkv {

struct vnode_get_v1 {
  uint32_t partition = 0;
  std::string key;
};

struct vnode_merge_v1 {
  uint32_t partition = 0;
  object incoming;
  /// Sync this commit to disk whatever the node's default (the paper's
  /// "durable writer", §6.1).
  bool sync = false;
};

struct vnode_coordinate_v1 {
  uint32_t partition = 0;
  std::string key;
  version_vector context;
  bool tombstone = false;
  std::string value;
  bool sync = false;
};

struct vnode_object_v1 {
  object stored;
};

DKV_INSPECT(vnode_get_v1, x.partition, x.key)
DKV_INSPECT(vnode_merge_v1, x.partition, x.incoming, x.sync)
DKV_INSPECT(vnode_coordinate_v1, x.partition, x.key, x.context, x.tombstone,
            x.value, x.sync)
DKV_INSPECT(vnode_object_v1, x.stored)

using vnode_actor = caf::typed_actor<
  caf::replies_to<vnode_get_v1>::with<vnode_object_v1>,
  caf::replies_to<vnode_merge_v1>::with<vnode_object_v1>,
  caf::replies_to<vnode_coordinate_v1>::with<vnode_object_v1>>;

} // namespace dkv
