#pragma once

// Replica reads answered beside the vnodes: by the router's readers
// (actors/replica_reader.hpp), and on the network thread by the node's
// network reader (actors/network_reader.hpp), whose handle clients get from
// the router and send their replica reads to directly.
//
//   vnode_get_v1 -> vnode_object_v1   the stored object, as a vnode answers
//   vnode_get_batch_v1 -> vnode_objects_v1   several, each as above
//   vnode_get_batch_v2 -> vnode_records_v1   several, as stored records
//
// Errors: as a vnode's read (storage_failure, no such partition), and as
// the router's answer to the same read.
//
// Sent to the router (node_protocol.hpp):
//
//   reader_request_v1 -> reader_reply_v1   the node's network reader, or
//                                          none (the node has none: send
//                                          reads to the router)

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/inspect.hpp"
#include "messages/vnode_protocol.hpp"

namespace dkv {

using replica_reader_actor
  = caf::typed_actor<caf::replies_to<vnode_get_v1>::with<vnode_object_v1>,
                     caf::replies_to<vnode_get_batch_v1>::with<
                       vnode_objects_v1>,
                     caf::replies_to<vnode_get_batch_v2>::with<
                       vnode_records_v1>>;

struct reader_request_v1 {};

struct reader_reply_v1 {
  replica_reader_actor reader;
};

DKV_INSPECT_EMPTY(reader_request_v1)
DKV_INSPECT(reader_reply_v1, x.reader)

} // namespace dkv
