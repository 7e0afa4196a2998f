#pragma once

// Hinted handoff (paper §4.6). A coordinator that cannot reach a key's home
// replica writes to the next healthy node of the extended preference list
// instead, with a hint naming the intended owner. The substitute stores the
// object in its own copy of the partition and keeps the hint durably until
// the owner has acknowledged the object.
//
//   vnode_hint_v1 -> vnode_object_v1   stored locally and hinted for `owner`
//
// Errors: storage_failure (the object or the hint could not be stored).

#include <cstdint>
#include <string>

#include "messages/inspect.hpp"
#include "messages/object.hpp"

namespace dkv {

struct vnode_hint_v1 {
  uint32_t partition = 0;
  object incoming;
  /// Name of the home replica the object is meant for.
  std::string owner;
};

DKV_INSPECT(vnode_hint_v1, x.partition, x.incoming, x.owner)

/// Pending hints of one owner, for status.
struct hint_count {
  std::string owner;
  uint64_t pending = 0;
};

DKV_INSPECT(hint_count, x.owner, x.pending)

} // namespace dkv
