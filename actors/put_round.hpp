#pragma once

// One put or delete (paper §4.5, like Riak's put FSM): write locally with a
// new dot, replicate the resulting object to the other replicas, answer after
// W acknowledgements (the local one counts) or fail with quorum_unavailable.
//
//   coordinating --local ok--> waiting_for_w --W acks--> answered
//        |                          |                       |
//   local error              W out of reach          remaining acks
//        v                          v                       v
//     failed                 quorum_unavailable          (ended)
//
// With durability "one" the local write's fsync (the node's group commit)
// runs while the replicas are asked; the put waits for both.
//
// A round runs inside an actor that may run many: the node's router
// coordinates every put it owns this way. It sends its requests as `self`
// and reacts to their answers there; it has no mailbox and no timer of its
// own: its owner calls `deadline` once the request's time is up (the router
// serves all of its rounds with one timer, detail/deadline_queue.hpp).
// Until session 19 each put spawned a coordinator actor: the spawn, its
// teardown and its result message back to the router cost about 10% of
// write throughput (README, Performance).
//
// Lifetime: whoever starts a round keeps a shared_ptr to it until `ended`
// runs; each pending answer holds one as well. Dropping every reference
// before the round answered answers with an error (finish_once).

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "caf/fwd.hpp"
#include "caf/message_id.hpp"
#include "caf/timespan.hpp"

#include "actors/detail/put_quorum.hpp"
#include "actors/finish_once.hpp"
#include "actors/replica_target.hpp"
#include "messages/log_flush_protocol.hpp"

namespace dkv {

struct put_round_config {
  /// targets[0] is the local vnode (the round writes there first).
  std::vector<replica_target> targets;
  /// Nodes that gain the partition in a ring transition: they get the
  /// stored object as well, but their answers do not count toward W.
  std::vector<replica_target> pending;
  size_t w = 2;
  /// After this long the owner calls `deadline` (the round sets no timer).
  caf::timespan timeout;
  /// The new version's partition, key, context, value or tombstone.
  vnode_coordinate_v1 write;
  /// When set, the local write must reach the disk (durability "one"):
  /// it is committed without a sync, replicated at once, and the put
  /// succeeds only after this node's group commit flushed it, so the
  /// fsync and the replicas' round trip overlap.
  log_flusher_actor flusher;
  /// Called exactly once: the stored object, or the error.
  std::function<void(caf::expected<object>)> finish;
};

class put_round : public std::enable_shared_from_this<put_round> {
public:
  /// `ended` runs once the round answered and no request of it is pending
  /// (or at its deadline): the owner may then drop it.
  put_round(caf::event_based_actor* self, put_round_config cfg,
            std::function<void()> ended);

  /// Writes locally, then replicates. Call once.
  void start();

  /// What has not answered by now failed: answers with what it has, then
  /// ends.
  void deadline();

  bool answered() const { return finish_.done(); }

private:
  using ptr = std::shared_ptr<put_round>;

  void local_stored(object stored);
  void check_quorum();
  void request_done();
  void end();
  template <class Handle, class Message>
  void ask_replica(const Handle& handle, Message msg, const std::string& node);
  void send_to(const replica_target& t);
  void flush_local();
  void replicate();

  caf::event_based_actor* self_;
  put_round_config cfg_;
  uint32_t partition_ = 0;
  std::function<void()> ended_;
  std::optional<detail::put_quorum> quorum_;
  object stored_;
  finish_once<object> finish_;
  /// Requests sent and not answered yet (gainers' included).
  size_t outstanding_ = 0;
  /// Every request's response id: those still unanswered at the deadline
  /// are given up (detail/given_up_request.hpp).
  std::vector<caf::message_id> sent_;
  /// Replicas that answered, one way or the other (by node name).
  std::set<std::string> answered_;
  bool local_done_ = false;
  /// The local write is stored but not yet known to be on disk.
  bool flushing_ = false;
  bool ended_once_ = false;
};

} // namespace dkv
