#pragma once

// The client interface of a dkv node: what `dkv-console`, `dkv-bench` and any
// CAF application embedding dkv talk to. Every node publishes an actor with
// this interface on its port:
//
//   auto node = system.middleman().remote_actor<dkv::client_actor>(host, port);
//
//   get_request_v1      -> get_reply_v1      values (siblings) + context
//   put_request_v1      -> put_reply_v1      context of the new version
//   del_request_v1      -> del_reply_v1      writes a tombstone
//   members_request_v1  -> members_reply_v1  every member and its status
//   ring_request_v1     -> ring_reply_v1     owner of each partition
//   preflist_request_v1 -> preflist_reply_v1 the key's primary replicas
//   status_request_v1   -> status_reply_v1   counters and settings
//   aae_request_v1      -> aae_reply_v1      anti-entropy per partition
//   routing_request_v1  -> routing_reply_v1  preference lists, addresses
//                                            (client-driven coordination,
//                                            actors/cluster_client.hpp)
//
// Errors (caf::error of category "dkv", see messages/errors.hpp):
// invalid_argument (key, value, context or r/w out of range),
// quorum_unavailable (fewer than R/W replicas answered in time), timeout,
// overloaded, storage_failure, unavailable (no ring yet).
//
// Contexts are opaque printable text (messages/version_vector.hpp
// encode_context): pass back what a get returned to supersede what it saw;
// the empty context means "I have seen nothing".

#include <cstdint>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/inspect.hpp"

namespace dkv {

/// Reads a key. `r` = 0 takes the cluster's R; otherwise 1..N.
struct get_request_v1 {
  std::string key;
  uint32_t r = 0;
};

/// `values` are the causally maximal live versions (several = siblings the
/// client should reconcile); empty = not found or deleted. `context` covers
/// every version seen, tombstones included.
struct get_reply_v1 {
  std::vector<std::string> values;
  std::string context;
};

/// Writes `value` as a new version superseding what `context` covers.
/// `w` = 0 takes the cluster's W; otherwise 1..N.
struct put_request_v1 {
  std::string key;
  std::string context;
  std::string value;
  uint32_t w = 0;
};

/// `context` covers the new version (and everything it superseded).
struct put_reply_v1 {
  std::string context;
};

/// Deletes: a tombstone superseding what `context` covers; a concurrent put
/// survives as a sibling.
struct del_request_v1 {
  std::string key;
  std::string context;
  uint32_t w = 0;
};

struct del_reply_v1 {
  std::string context;
};

struct members_request_v1 {};

struct member_status {
  std::string name;
  std::string address; // host:port
  std::string status;  // up, down, joining, leaving
  uint32_t partitions = 0;
  int64_t last_heard_ms = -1; // age of the last sign of life; -1: never
};

struct members_reply_v1 {
  std::vector<member_status> members;
};

struct ring_request_v1 {};

struct ring_reply_v1 {
  uint32_t partitions = 0;
  std::vector<std::string> owners; // owner of each partition, ring order
};

struct preflist_request_v1 {
  std::string key;
};

struct preflist_reply_v1 {
  uint32_t partition = 0;
  std::vector<std::string> nodes; // primary replicas, in order
};

struct status_request_v1 {};

struct stat_entry {
  std::string name;
  std::string value;
};

struct status_reply_v1 {
  std::string node;
  std::vector<stat_entry> stats;
};

// -- inspect -----------------------------------------------------------------

DKV_INSPECT(get_request_v1, x.key, x.r)
DKV_INSPECT(get_reply_v1, x.values, x.context)
DKV_INSPECT(put_request_v1, x.key, x.context, x.value, x.w)
DKV_INSPECT(put_reply_v1, x.context)
DKV_INSPECT(del_request_v1, x.key, x.context, x.w)
DKV_INSPECT(del_reply_v1, x.context)
DKV_INSPECT_EMPTY(members_request_v1)
DKV_INSPECT(member_status, x.name, x.address, x.status, x.partitions,
            x.last_heard_ms)
DKV_INSPECT(members_reply_v1, x.members)
/// What a client needs to coordinate reads itself (paper §6.4): every
/// partition's primary replicas and where each node listens.
struct routing_request_v1 {};

struct routing_reply_v1 {
  uint64_t ring_version = 0;
  /// While partitions move, writes also go to their gainers and reads may
  /// need the node's view: clients then let a node coordinate.
  bool in_transition = false;
  uint32_t partitions = 0;
  uint32_t n = 0;
  uint32_t r = 0;
  uint32_t w = 0;
  uint32_t max_key_bytes = 0;
  /// Largest value a node accepts; a client refuses larger ones before
  /// sending them (a message over a node's frame limit closes the
  /// connection it came on). 0: not told.
  uint64_t max_value_bytes = 0;
  std::vector<std::vector<std::string>> preference_lists; // per partition
  std::vector<member_status> members; // addresses and up/down
};

DKV_INSPECT_EMPTY(ring_request_v1)
DKV_INSPECT_EMPTY(routing_request_v1)
DKV_INSPECT(routing_reply_v1, x.ring_version, x.in_transition, x.partitions,
            x.n, x.r, x.w, x.max_key_bytes, x.max_value_bytes,
            x.preference_lists, x.members)
DKV_INSPECT(ring_reply_v1, x.partitions, x.owners)
DKV_INSPECT(preflist_request_v1, x.key)
DKV_INSPECT(preflist_reply_v1, x.partition, x.nodes)
struct aae_request_v1 {};

/// Anti-entropy of one partition this node replicates.
struct aae_partition_v1 {
  uint32_t partition = 0;
  /// Peers whose last exchange found this replica identical to theirs.
  std::vector<std::string> in_sync;
  int64_t last_exchange_ms = -1; // age of the last exchange; -1: none yet
  uint64_t exchanges = 0;
  uint64_t keys_repaired = 0;
  std::string last_error; // of the last exchange; empty if it succeeded
};

struct aae_reply_v1 {
  bool enabled = false;
  uint64_t exchanges = 0;
  uint64_t keys_repaired = 0;
  uint64_t bytes = 0; // payload bytes exchanged
  std::vector<aae_partition_v1> partitions;
};

DKV_INSPECT_EMPTY(status_request_v1)
DKV_INSPECT(stat_entry, x.name, x.value)
DKV_INSPECT(status_reply_v1, x.node, x.stats)
DKV_INSPECT_EMPTY(aae_request_v1)
DKV_INSPECT(aae_partition_v1, x.partition, x.in_sync, x.last_exchange_ms,
            x.exchanges, x.keys_repaired, x.last_error)
DKV_INSPECT(aae_reply_v1, x.enabled, x.exchanges, x.keys_repaired, x.bytes,
            x.partitions)

// -- membership changes (paper §4.8.1; staged like Riak's `cluster plan`) -----
//
//   cluster_change_v1 -> cluster_plan_v1  op "join" (target HOST:PORT of a
//                                         running node pointed at a seed),
//                                         "leave" (target a member's name;
//                                         force: even if it is down), "plan",
//                                         "commit", "clear"
//   transfers_request_v1 -> transfers_reply_v1  partition transfers of this
//                                         node in progress
//
// join and leave only stage a change on the node that received them; plan
// shows what a commit of the staged changes would move; commit starts the
// transition (refused while an earlier one is still moving partitions).
// Errors: invalid_argument (unknown node, another cluster or Q, a member
// joined twice, fewer than N members left, a down node left without force,
// nothing staged), unavailable (ring not formed, a transition in progress).

struct cluster_change_v1 {
  std::string op;
  std::string target;
  bool force = false;
};

struct staged_change {
  std::string op; // join or leave
  std::string node;
  std::string address;
  bool force = false;
};

struct member_share {
  std::string node;
  uint32_t now = 0;  // partitions it is home of now
  uint32_t next = 0; // after the staged (plan) or committed change
};

struct cluster_plan_v1 {
  std::string op;
  std::vector<staged_change> staged;
  uint64_t ring_version = 0;
  /// plan: partitions whose preference list the staged changes would change;
  /// commit and the others: partitions of the transition not flipped yet.
  uint32_t partitions_moving = 0;
  bool transition_in_progress = false;
  std::vector<member_share> shares;
};

struct transfers_request_v1 {};

struct transfer_status {
  uint32_t partition = 0;
  std::string source;
  std::string target;
  std::string state; // queued, offering, streaming, syncing, confirming, retiring
  uint64_t keys = 0;
  uint64_t bytes = 0;
  double bytes_per_second = 0;
  int64_t elapsed_ms = 0;
  std::string last_error;
};

struct transfers_reply_v1 {
  uint64_t ring_version = 0;
  uint32_t partitions_moving = 0; // in the whole cluster's transition
  uint64_t completed = 0;         // transfers this node finished
  std::vector<transfer_status> transfers;
};

/// Fault injection for chaos tests (refused unless the node runs with
/// dkv.fault-injection): cut this node off from every peer for `millis`
/// (0: reconnect now), as a network partition would. Clients still reach
/// it. The reply repeats the duration.
struct isolate_request_v1 {
  uint32_t millis = 0;
};

struct isolate_reply_v1 {
  uint32_t millis = 0;
};

DKV_INSPECT(isolate_request_v1, x.millis)
DKV_INSPECT(isolate_reply_v1, x.millis)
DKV_INSPECT(cluster_change_v1, x.op, x.target, x.force)
DKV_INSPECT(staged_change, x.op, x.node, x.address, x.force)
DKV_INSPECT(member_share, x.node, x.now, x.next)
DKV_INSPECT(cluster_plan_v1, x.op, x.staged, x.ring_version,
            x.partitions_moving, x.transition_in_progress, x.shares)
DKV_INSPECT_EMPTY(transfers_request_v1)
DKV_INSPECT(transfer_status, x.partition, x.source, x.target, x.state, x.keys,
            x.bytes, x.bytes_per_second, x.elapsed_ms, x.last_error)
DKV_INSPECT(transfers_reply_v1, x.ring_version, x.partitions_moving,
            x.completed, x.transfers)

using client_actor = caf::typed_actor<
  caf::replies_to<get_request_v1>::with<get_reply_v1>,
  caf::replies_to<put_request_v1>::with<put_reply_v1>,
  caf::replies_to<del_request_v1>::with<del_reply_v1>,
  caf::replies_to<members_request_v1>::with<members_reply_v1>,
  caf::replies_to<ring_request_v1>::with<ring_reply_v1>,
  caf::replies_to<routing_request_v1>::with<routing_reply_v1>,
  caf::replies_to<preflist_request_v1>::with<preflist_reply_v1>,
  caf::replies_to<status_request_v1>::with<status_reply_v1>,
  caf::replies_to<aae_request_v1>::with<aae_reply_v1>,
  caf::replies_to<cluster_change_v1>::with<cluster_plan_v1>,
  caf::replies_to<transfers_request_v1>::with<transfers_reply_v1>,
  caf::replies_to<isolate_request_v1>::with<isolate_reply_v1>>;

} // namespace dkv
