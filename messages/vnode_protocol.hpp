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
// Anti-entropy (paper §4.7; actors/detail/merkle_tree.hpp):
//   vnode_tree_v1       -> vnode_tree_reply_v1  hashes of nodes of one level
//                                               of the partition's tree
//   vnode_segments_v1   -> vnode_key_hashes_v1  key and object hash of every
//                                               key in some segments
//
// Tombstone reaping (actors/tombstone_reaper.hpp):
//   vnode_tombstones_v1 -> vnode_tombstone_list_v1  keys holding only
//                                               tombstones, with their clocks
//   reap_query_v1       -> reap_answer_v1       this node's copies of some
//                                               keys and its pending hints
//   vnode_reap_v1       -> vnode_reaped_v1      removes each key whose object
//                                               still has the given hash; the
//                                               node remembers each clock,
//                                               held or not
//                                               (actors/detail/reaped_memory)
//
// Partition transfer (messages/transfer_protocol.hpp):
//   transfer_batch_v1   -> transfer_batch_ack_v1  merges a batch, then
//                                                 records the resume point
//
// Several replica reads in one message (answered by the node's router and
// its readers, not by a vnode: node_protocol.hpp):
//   vnode_get_batch_v1  -> vnode_objects_v1   one object or error per read,
//                                             in order
//   vnode_merge_batch_v1 -> vnode_objects_v1  one object or error per merge,
//                                             in order
//   vnode_get_batch_v2  -> vnode_records_v1   one stored record or error per
//                                             read, in order: the bytes as
//                                             stored (storage/FORMAT.md),
//                                             for the reader to decode
//   vnode_merge_batch_v2 -> vnode_merge_acks_v1  merges sent as records,
//                                             acknowledged without the
//                                             merged objects: which failed
//
// Errors: storage_failure (I/O, full disk, corrupt record), invalid_argument
// (key/value bounds), wrong_node (partition not held here).

#include <cstdint>
#include <string>
#include <vector>

#include "caf/error.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/inspect.hpp"
#include "messages/object.hpp"
#include "messages/transfer_protocol.hpp"

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

/// Replica reads a client had ready for one node at once: one message,
/// one actor hop and one reply for all of them (cluster_client). A node
/// refuses the whole batch when a read needs more than a lookup (its
/// partition closed, retired or unknown); the sender then reads singly.
struct vnode_get_batch_v1 {
  std::vector<vnode_get_v1> reads;
};

/// A coordinating node's merges to one peer that queued while an earlier
/// message to it was in flight (actors/peer_outbox.hpp). Each is handled
/// as if it came alone: its own checks, its own vnode, its own answer.
struct vnode_merge_batch_v1 {
  std::vector<vnode_merge_v1> merges;
};

/// Replica reads as in vnode_get_batch_v1, answered with the stored
/// records (vnode_records_v1) instead of objects: the node sends the bytes
/// it read, without decoding them and serializing every field of every
/// sibling, and the reader decodes them with the record codec (CAF's field
/// by field decoding of the objects was a ninth of a client's CPU).
struct vnode_get_batch_v2 {
  std::vector<vnode_get_v1> reads;
};

/// One record per read: as stored under the read's key (the key is not
/// repeated; storage/record_codec.hpp decodes it), empty when the key has
/// no record. Failures as in vnode_objects_v1.
struct vnode_records_v1 {
  std::vector<std::string> records;
  std::vector<caf::error> failures;
};

/// One merge of vnode_merge_batch_v2: the object to merge as the record
/// the coordinator's vnode would store (storage/record_codec.hpp), under
/// its key.
struct vnode_merge_record_v1 {
  uint32_t partition = 0;
  std::string key;
  std::string record;
  bool sync = false;
};

/// Merges as in vnode_merge_batch_v1, from a coordinator that needs only
/// to know which were stored (a put round counts acknowledgements): CAF
/// encodes and decodes an object field by field, sibling by sibling, and
/// the merged object coming back doubled that (README, Performance).
struct vnode_merge_batch_v2 {
  std::vector<vnode_merge_record_v1> merges;
};

/// The answer to vnode_merge_batch_v2.
struct vnode_merge_acks_v1 {
  uint32_t merges = 0; // how many merges this answers
  /// Empty when every merge was stored; else one per merge, none where it
  /// was stored.
  std::vector<caf::error> failures;
};

struct vnode_objects_v1 {
  std::vector<object> stored; // one per read or merge
  /// Empty when every read (merge) succeeded; else one per read (merge),
  /// none where it succeeded.
  std::vector<caf::error> failures;
};

struct vnode_tree_v1 {
  uint32_t partition = 0;
  uint32_t level = 0;
  std::vector<uint32_t> ids;
};

struct vnode_tree_reply_v1 {
  /// The tree's shape: two trees compare only if both are equal.
  uint32_t segments = 0;
  uint32_t fanout = 0;
  uint64_t keys = 0;
  std::vector<uint64_t> hashes; // one per requested id
};

struct vnode_segments_v1 {
  uint32_t partition = 0;
  std::vector<uint32_t> segments;
};

struct vnode_key_hashes_v1 {
  std::vector<std::string> keys; // sorted
  std::vector<uint64_t> hashes;  // detail::object_hash of each key's object
};

DKV_INSPECT(vnode_get_v1, x.partition, x.key)
DKV_INSPECT(vnode_merge_v1, x.partition, x.incoming, x.sync)
DKV_INSPECT(vnode_coordinate_v1, x.partition, x.key, x.context, x.tombstone,
            x.value, x.sync)
DKV_INSPECT(vnode_object_v1, x.stored)
DKV_INSPECT(vnode_get_batch_v1, x.reads)
DKV_INSPECT(vnode_merge_batch_v1, x.merges)
DKV_INSPECT(vnode_objects_v1, x.stored, x.failures)
DKV_INSPECT(vnode_get_batch_v2, x.reads)
DKV_INSPECT(vnode_records_v1, x.records, x.failures)
DKV_INSPECT(vnode_merge_record_v1, x.partition, x.key, x.record, x.sync)
DKV_INSPECT(vnode_merge_batch_v2, x.merges)
DKV_INSPECT(vnode_merge_acks_v1, x.merges, x.failures)
struct vnode_tombstones_v1 {
  uint32_t partition = 0;
  uint32_t max = 0;
};

struct reap_query_v1 {
  uint32_t partition = 0;
  std::vector<std::string> keys;
};

struct reap_answer_v1 {
  std::vector<uint64_t> hashes; // per key; 0: this node holds no copy
  uint64_t hints_pending = 0;   // hints of the partition held here
};

struct vnode_tombstone_list_v1 {
  std::vector<std::string> keys; // sorted
  std::vector<uint64_t> hashes;
  std::vector<version_vector> clocks; // context_of each tombstone
};

struct vnode_reap_v1 {
  uint32_t partition = 0;
  std::vector<std::string> keys;
  std::vector<uint64_t> hashes;
  std::vector<version_vector> clocks;
};

struct vnode_reaped_v1 {
  uint64_t reaped = 0;
};

DKV_INSPECT(vnode_tombstones_v1, x.partition, x.max)
DKV_INSPECT(reap_query_v1, x.partition, x.keys)
DKV_INSPECT(reap_answer_v1, x.hashes, x.hints_pending)
DKV_INSPECT(vnode_tombstone_list_v1, x.keys, x.hashes, x.clocks)
DKV_INSPECT(vnode_reap_v1, x.partition, x.keys, x.hashes, x.clocks)
DKV_INSPECT(vnode_reaped_v1, x.reaped)
DKV_INSPECT(vnode_tree_v1, x.partition, x.level, x.ids)
DKV_INSPECT(vnode_tree_reply_v1, x.segments, x.fanout, x.keys, x.hashes)
DKV_INSPECT(vnode_segments_v1, x.partition, x.segments)
DKV_INSPECT(vnode_key_hashes_v1, x.keys, x.hashes)

using vnode_actor = caf::typed_actor<
  caf::replies_to<vnode_get_v1>::with<vnode_object_v1>,
  caf::replies_to<vnode_merge_v1>::with<vnode_object_v1>,
  caf::replies_to<vnode_coordinate_v1>::with<vnode_object_v1>,
  caf::replies_to<vnode_tree_v1>::with<vnode_tree_reply_v1>,
  caf::replies_to<vnode_segments_v1>::with<vnode_key_hashes_v1>,
  caf::replies_to<vnode_tombstones_v1>::with<vnode_tombstone_list_v1>,
  caf::replies_to<vnode_reap_v1>::with<vnode_reaped_v1>,
  caf::replies_to<transfer_batch_v1>::with<transfer_batch_ack_v1>>;

} // namespace dkv
