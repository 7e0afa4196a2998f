#pragma once

// One get a node coordinates (paper §4.5, §5; like Riak's get FSM): ask
// every replica, answer after R replies with the causally maximal versions,
// keep listening for the rest, then write the merged object back to
// replicas that were stale or missing it (read repair).
//
//   waiting_for_r --R replies--> waiting_for_rest --all in--> repairing -> end
//        |                                        (or deadline)
//   R out of reach -> quorum_unavailable
//
// Like put_round, a round runs inside an actor that may run many (the
// node's router): it sends its reads as `self`, reacts to their answers
// there, and has no mailbox and no timer of its own; its owner calls
// `deadline` once the request's time is up. Until session 20 each get a
// node coordinated spawned a coordinator actor that sent its result back
// to the router as a message (README, Performance).
//
// Lifetime: whoever starts a round keeps a shared_ptr to it until `ended`
// runs; each pending answer holds one as well. Dropping every reference
// before the round answered answers with an error (finish_once).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "caf/fwd.hpp"
#include "caf/message_id.hpp"
#include "caf/timespan.hpp"

#include "actors/detail/get_quorum.hpp"
#include "actors/finish_once.hpp"
#include "actors/replica_target.hpp"

namespace dkv {

struct get_round_config {
  uint32_t partition = 0;
  std::string key;
  std::vector<replica_target> targets;
  size_t r = 2;
  /// After this long the owner calls `deadline` (the round sets no timer).
  caf::timespan timeout;
  /// Called exactly once: the merged object of the first R replies (no
  /// siblings: not found), or the error.
  std::function<void(caf::expected<object>)> finish;
  /// Called once per read-repair write sent (for stats); may be empty.
  std::function<void(const std::string& node)> on_repair;
};

class get_round : public std::enable_shared_from_this<get_round> {
public:
  /// `ended` runs once the round answered and every replica answered or
  /// was given up on at the deadline: the owner may then drop it.
  get_round(caf::event_based_actor* self, get_round_config cfg,
            std::function<void()> ended);

  /// Asks every replica. Call once.
  void start();

  /// Replicas that have not answered by now failed: answers with what it
  /// has, repairs what the replies showed stale, then ends.
  void deadline();

  bool answered() const { return finish_.done(); }

private:
  void check_quorum();
  void read_repair();
  void end();
  template <class Handle, class OnReply, class OnFailure>
  void send_read(const Handle& to, vnode_get_v1 read, OnReply& replied,
                 OnFailure& failed);

  caf::event_based_actor* self_;
  get_round_config cfg_;
  std::function<void()> ended_;
  std::optional<detail::get_quorum> quorum_;
  finish_once<object> finish_;
  /// Every read's response id: those still unanswered at the deadline
  /// are given up (detail/given_up_request.hpp).
  std::vector<caf::message_id> sent_;
  bool repaired_ = false;
  bool ended_once_ = false;
};

} // namespace dkv
