#pragma once

// The actor every node publishes on its port: the client interface, the
// replica (vnode) interface, and the handshake between peers.
//
//   node_info_request_v1 -> node_info_v1   who are you? (cluster, name, Q)
//   <client_protocol.hpp messages>         from clients and forwarding peers
//   <vnode_protocol.hpp messages>          from coordinators on any node;
//                                          delegated to the local vnode
//   vnode_get_batch_v1 -> vnode_objects_v1 replica reads from a peer's
//                                          coordinators (or an older
//                                          client), answered by the node's
//                                          readers
//   vnode_get_batch_v2 -> vnode_records_v1 the same from a client, answered
//                                          with the stored records
//   vnode_merge_batch_v1 -> vnode_objects_v1
//                                          replica writes from a peer's
//                                          coordinators, each to its vnode
//   vnode_merge_batch_v2 -> vnode_merge_acks_v1
//                                          the same as records, answered
//                                          with which failed
//   vnode_hint_v1 -> vnode_object_v1       a write meant for a down owner
//                                          (handoff_protocol.hpp)
//   gossip_v1 -> gossip_v1                 ring and member directory
//                                          (gossip.hpp)
//   transfer_offer_v1, transfer_done_v1    partition transfer, answered by
//                                          the router; batches go to the
//                                          vnode (transfer_protocol.hpp)
//   reader_request_v1 -> reader_reply_v1   the node's network reader, for
//                                          clients' replica reads
//                                          (replica_reader_protocol.hpp)
//
// Errors of the handshake: invalid_argument when the caller belongs to
// another cluster or runs another Q (the caller logs and refuses the peer).

#include <cstdint>
#include <string>

#include "messages/client_protocol.hpp"
#include "messages/gossip.hpp"
#include "messages/handoff_protocol.hpp"
#include "messages/inspect.hpp"
#include "messages/replica_reader_protocol.hpp"
#include "messages/version_vector.hpp"
#include "messages/vnode_protocol.hpp"

namespace dkv {

/// The caller introduces itself so the callee can refuse a foreign peer.
struct node_info_request_v1 {
  std::string cluster;
  uint32_t partitions = 0;
  std::string name;
  std::string address;
};

struct node_info_v1 {
  std::string cluster;
  std::string name;
  std::string address; // host:port the node publishes on
  uint32_t partitions = 0;
  replica_id incarnation = 0;
};

DKV_INSPECT(node_info_request_v1, x.cluster, x.partitions, x.name, x.address)
DKV_INSPECT(node_info_v1, x.cluster, x.name, x.address, x.partitions,
            x.incarnation)

using node_actor = client_actor::extend_with<vnode_actor>::extend<
  caf::replies_to<node_info_request_v1>::with<node_info_v1>,
  caf::replies_to<vnode_get_batch_v1>::with<vnode_objects_v1>,
  caf::replies_to<vnode_get_batch_v2>::with<vnode_records_v1>,
  caf::replies_to<vnode_merge_batch_v1>::with<vnode_objects_v1>,
  caf::replies_to<vnode_merge_batch_v2>::with<vnode_merge_acks_v1>,
  caf::replies_to<vnode_hint_v1>::with<vnode_object_v1>,
  caf::replies_to<gossip_v1>::with<gossip_v1>,
  caf::replies_to<reap_query_v1>::with<reap_answer_v1>,
  caf::replies_to<transfer_offer_v1>::with<transfer_accept_v1>,
  caf::replies_to<transfer_done_v1>::with<transfer_confirm_v1>,
  caf::replies_to<reader_request_v1>::with<reader_reply_v1>>;

} // namespace dkv
