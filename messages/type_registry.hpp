#pragma once

// The one registry of every type that crosses a node boundary, and of dkv's
// error category. Every actor system running dkv code calls this once on its
// config before starting.

#include "caf/actor_system_config.hpp"

#include "messages/client_protocol.hpp"
#include "messages/errors.hpp"
#include "messages/node_protocol.hpp"
#include "messages/ring.hpp"
#include "messages/vnode_protocol.hpp"

namespace dkv {

inline void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<clock_entry>("dkv::clock_entry");
  cfg.add_message_type<version_vector>("dkv::version_vector");
  cfg.add_message_type<dot>("dkv::dot");
  cfg.add_message_type<sibling>("dkv::sibling");
  cfg.add_message_type<object>("dkv::object");
  // client protocol
  cfg.add_message_type<get_request_v1>("dkv::get_request_v1");
  cfg.add_message_type<get_reply_v1>("dkv::get_reply_v1");
  cfg.add_message_type<put_request_v1>("dkv::put_request_v1");
  cfg.add_message_type<put_reply_v1>("dkv::put_reply_v1");
  cfg.add_message_type<del_request_v1>("dkv::del_request_v1");
  cfg.add_message_type<del_reply_v1>("dkv::del_reply_v1");
  cfg.add_message_type<members_request_v1>("dkv::members_request_v1");
  cfg.add_message_type<member_status>("dkv::member_status");
  cfg.add_message_type<members_reply_v1>("dkv::members_reply_v1");
  cfg.add_message_type<ring_request_v1>("dkv::ring_request_v1");
  cfg.add_message_type<ring_reply_v1>("dkv::ring_reply_v1");
  cfg.add_message_type<routing_request_v1>("dkv::routing_request_v1");
  cfg.add_message_type<routing_reply_v1>("dkv::routing_reply_v1");
  cfg.add_message_type<preflist_request_v1>("dkv::preflist_request_v1");
  cfg.add_message_type<preflist_reply_v1>("dkv::preflist_reply_v1");
  cfg.add_message_type<status_request_v1>("dkv::status_request_v1");
  cfg.add_message_type<stat_entry>("dkv::stat_entry");
  cfg.add_message_type<status_reply_v1>("dkv::status_reply_v1");
  cfg.add_message_type<aae_request_v1>("dkv::aae_request_v1");
  cfg.add_message_type<aae_partition_v1>("dkv::aae_partition_v1");
  cfg.add_message_type<aae_reply_v1>("dkv::aae_reply_v1");
  cfg.add_message_type<cluster_change_v1>("dkv::cluster_change_v1");
  cfg.add_message_type<staged_change>("dkv::staged_change");
  cfg.add_message_type<member_share>("dkv::member_share");
  cfg.add_message_type<cluster_plan_v1>("dkv::cluster_plan_v1");
  cfg.add_message_type<transfers_request_v1>("dkv::transfers_request_v1");
  cfg.add_message_type<isolate_request_v1>("dkv::isolate_request_v1");
  cfg.add_message_type<isolate_reply_v1>("dkv::isolate_reply_v1");
  cfg.add_message_type<transfer_status>("dkv::transfer_status");
  cfg.add_message_type<transfers_reply_v1>("dkv::transfers_reply_v1");
  // vnode protocol
  cfg.add_message_type<vnode_get_v1>("dkv::vnode_get_v1");
  cfg.add_message_type<reader_request_v1>("dkv::reader_request_v1");
  cfg.add_message_type<reader_reply_v1>("dkv::reader_reply_v1");
  cfg.add_message_type<vnode_merge_v1>("dkv::vnode_merge_v1");
  cfg.add_message_type<vnode_coordinate_v1>("dkv::vnode_coordinate_v1");
  cfg.add_message_type<vnode_object_v1>("dkv::vnode_object_v1");
  cfg.add_message_type<vnode_get_batch_v1>("dkv::vnode_get_batch_v1");
  cfg.add_message_type<vnode_merge_batch_v1>("dkv::vnode_merge_batch_v1");
  cfg.add_message_type<vnode_objects_v1>("dkv::vnode_objects_v1");
  cfg.add_message_type<vnode_get_batch_v2>("dkv::vnode_get_batch_v2");
  cfg.add_message_type<vnode_records_v1>("dkv::vnode_records_v1");
  cfg.add_message_type<vnode_merge_record_v1>("dkv::vnode_merge_record_v1");
  cfg.add_message_type<vnode_merge_batch_v2>("dkv::vnode_merge_batch_v2");
  cfg.add_message_type<vnode_merge_acks_v1>("dkv::vnode_merge_acks_v1");
  cfg.add_message_type<vnode_tree_v1>("dkv::vnode_tree_v1");
  cfg.add_message_type<vnode_tree_reply_v1>("dkv::vnode_tree_reply_v1");
  cfg.add_message_type<vnode_segments_v1>("dkv::vnode_segments_v1");
  cfg.add_message_type<vnode_key_hashes_v1>("dkv::vnode_key_hashes_v1");
  cfg.add_message_type<vnode_tombstones_v1>("dkv::vnode_tombstones_v1");
  cfg.add_message_type<vnode_tombstone_list_v1>(
    "dkv::vnode_tombstone_list_v1");
  cfg.add_message_type<reap_query_v1>("dkv::reap_query_v1");
  cfg.add_message_type<reap_answer_v1>("dkv::reap_answer_v1");
  cfg.add_message_type<vnode_reap_v1>("dkv::vnode_reap_v1");
  cfg.add_message_type<vnode_reaped_v1>("dkv::vnode_reaped_v1");
  cfg.add_message_type<transfer_offer_v1>("dkv::transfer_offer_v1");
  cfg.add_message_type<transfer_accept_v1>("dkv::transfer_accept_v1");
  cfg.add_message_type<transfer_batch_v1>("dkv::transfer_batch_v1");
  cfg.add_message_type<transfer_batch_ack_v1>("dkv::transfer_batch_ack_v1");
  cfg.add_message_type<transfer_done_v1>("dkv::transfer_done_v1");
  cfg.add_message_type<transfer_confirm_v1>("dkv::transfer_confirm_v1");
  // node protocol
  cfg.add_message_type<node_info_request_v1>("dkv::node_info_request_v1");
  cfg.add_message_type<node_info_v1>("dkv::node_info_v1");
  // gossip
  cfg.add_message_type<ring_state>("dkv::ring_state");
  cfg.add_message_type<member_record>("dkv::member_record");
  cfg.add_message_type<gossip_state>("dkv::gossip_state");
  cfg.add_message_type<gossip_v1>("dkv::gossip_v1");
  // handoff
  cfg.add_message_type<vnode_hint_v1>("dkv::vnode_hint_v1");
  cfg.add_message_type<hint_count>("dkv::hint_count");
  cfg.add_error_category(dkv_error_category, [](uint8_t code, caf::atom_value,
                                                const caf::message& ctx) {
    std::string result = "dkv: ";
    result += to_string(static_cast<dkv_errc>(code));
    if (ctx.match_elements<std::string>()) {
      result += " (";
      result += ctx.get_as<std::string>(0);
      result += ")";
    }
    return result;
  });
}

} // namespace dkv
