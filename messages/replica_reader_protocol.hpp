#pragma once

// Replica reads answered beside the vnodes (actors/replica_reader.hpp).
// Never crosses a node boundary: peers send vnode_get_v1 to the router,
// which passes reads of open partitions on to a reader.
//
//   vnode_get_v1 -> vnode_object_v1   the stored object, as a vnode answers
//   vnode_get_batch_v1 -> vnode_objects_v1   several, each as above
//   vnode_get_batch_v2 -> vnode_records_v1   several, as stored records
//
// Errors: as a vnode's read (storage_failure, no such partition).

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/vnode_protocol.hpp"

namespace dkv {

using replica_reader_actor
  = caf::typed_actor<caf::replies_to<vnode_get_v1>::with<vnode_object_v1>,
                     caf::replies_to<vnode_get_batch_v1>::with<
                       vnode_objects_v1>,
                     caf::replies_to<vnode_get_batch_v2>::with<
                       vnode_records_v1>>;

} // namespace dkv
