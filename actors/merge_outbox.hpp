#pragma once

// Carries one node's replica merges (vnode_merge_v1) to one peer, for the
// put coordinators. A merge leaves at once while fewer than `in_flight`
// messages to the peer await their answer; otherwise it waits, and what
// waited leaves as one vnode_merge_batch_v1 when an answer comes back. At
// low load nothing waits; under load the per-message cost (serializing,
// a system call each way, the peer's dispatch) is shared by the batch.
// Every merge still gets its own answer: the peer's object or error.
//
// Answers vnode_merge_v1 -> vnode_object_v1 like the peer itself. A
// message unanswered after `timeout` frees its place and fails its merges
// (their coordinator counts that replica as failed, as after a silent
// single merge). When the peer's connection is lost, what waits or is in
// flight fails with `unavailable` and the outbox ends; the router that
// spawned it makes a new one for the peer's next handle.

#include <chrono>
#include <cstddef>

#include "caf/fwd.hpp"
#include "caf/timespan.hpp"

#include "messages/node_protocol.hpp"

namespace dkv {

struct merge_outbox_config {
  node_actor peer;
  /// Messages awaiting an answer at once (at least 1).
  size_t in_flight = 1;
  /// The most merges in one message.
  size_t batch = 64;
  caf::timespan timeout = std::chrono::seconds(2);
};

caf::actor spawn_merge_outbox(caf::actor_system& sys,
                              merge_outbox_config cfg);

} // namespace dkv
