#pragma once

// Carries one node's replica requests to one peer for its coordinators:
// reads (vnode_get_v1, from get coordinators) and merges (vnode_merge_v1,
// from put rounds and read repair), each kind in its own lane. A
// request leaves at once while fewer than `in_flight` messages of its kind
// to the peer await their answer; otherwise it waits, and what waited
// leaves as one batch (vnode_get_batch_v2, vnode_merge_batch_v2) when an
// answer comes back. At low load nothing waits; under load the cost of a
// message (serializing, a system call each way, the peer's dispatch) is
// shared by the batch. Every request still gets its own answer. A lone
// request goes as a batch of one as well: both batches carry objects as
// stored records, which the record codec encodes and decodes far faster
// than CAF's field by field serialization of an object.
//
// Answers vnode_get_v1 -> vnode_object_v1 like the peer itself, with the
// object of the peer's record or the error (a record that does not decode
// is a storage_failure). Answers vnode_merge_v1 -> vnode_object_v1 with the
// merge's key alone (no siblings) or the error: the peer acknowledges
// merges without sending the merged object back (their senders, put
// rounds and read repair, count acknowledgements). A peer that does not
// know a batch (an older node) gets that batch's requests again one by
// one (vnode_get_v1, vnode_merge_v1), and every later one alone. A batch of
// reads the peer refuses (a read needing more than a lookup there) goes
// again read by read. A message unanswered after
// `timeout` frees its place and fails its requests (their coordinator
// counts that replica as failed, as after a silent single request); one
// timer of the outbox serves all its messages (a deadline fires at most a
// tenth of `timeout` late), not a CAF request timeout each, whose setting
// and cancelling wake CAF's clock thread. (A message given up keeps its
// small answer handler until the peer answers or the outbox ends: about
// `in_flight` per lane per `timeout`.) When
// the peer's connection is lost, what waits or is in flight fails with
// `unavailable` and the outbox ends; the router that spawned it makes a
// new one for the peer's next handle. An outbox told to exit (the router
// retiring it, or ending) fails what it holds the same way.

#include <chrono>
#include <cstddef>

#include "caf/fwd.hpp"
#include "caf/timespan.hpp"

#include "messages/node_protocol.hpp"

namespace dkv {

struct peer_outbox_config {
  node_actor peer;
  /// Messages of each kind awaiting an answer at once (at least 1).
  size_t in_flight = 1;
  /// The most requests in one message.
  size_t batch = 64;
  caf::timespan timeout = std::chrono::seconds(2);
};

caf::actor spawn_peer_outbox(caf::actor_system& sys, peer_outbox_config cfg);

} // namespace dkv
