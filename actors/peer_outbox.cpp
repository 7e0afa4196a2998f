#include "actors/peer_outbox.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "caf/all.hpp"

#include "actors/detail/deadline_queue.hpp"
#include "messages/errors.hpp"
#include "storage/record_codec.hpp"

namespace dkv {

namespace {

using object_promise = caf::typed_response_promise<vnode_object_v1>;

/// Gives up the messages unanswered for `timeout`. The outbox's one timer
/// (detail::deadline_queue) serves every message in flight: a CAF request
/// timeout would wake CAF's clock thread twice per message (set and
/// cancel), which cost a lone write about ten context switches across its
/// nodes.
using outbox_sweep_atom = caf::atom_constant<caf::atom("obx_sweep")>;

/// One kind of request to the peer: what waits, and what is in flight.
template <class Request>
struct lane {
  struct message {
    std::vector<object_promise> promises;
    /// The requests of a batch, sent again one by one if the peer refuses
    /// it (reads needing more than a lookup there, or a peer that does not
    /// know the batch); a merge is acknowledged with its key.
    std::vector<Request> requests;
  };
  std::deque<std::pair<Request, object_promise>> waiting;
  std::map<uint64_t, message> in_flight;
  /// Requests sent again alone, outside the window (a refused batch's).
  std::map<uint64_t, message> alone;
  /// The peer does not know batches (a node of an older version): every
  /// request goes alone from then on.
  bool singles_only = false;
};

/// Reads come back as the records the peer stored, which the outbox
/// decodes with the record codec (as the client does).
vnode_get_batch_v2 batch_of(const std::vector<vnode_get_v1>& reads) {
  return {reads};
}

/// Merges leave as the records the coordinator's vnode stored, which the
/// peer decodes with the record codec, not CAF's field by field decoding.
vnode_merge_batch_v2 batch_of(const std::vector<vnode_merge_v1>& merges) {
  vnode_merge_batch_v2 batch;
  batch.merges.reserve(merges.size());
  for (auto& m : merges)
    batch.merges.push_back(vnode_merge_record_v1{
      m.partition, m.incoming.key, storage::encode_record(m.incoming),
      m.sync});
  return batch;
}

struct outbox_state {
  static inline const char* name = "dkv.peer_outbox";
  peer_outbox_config cfg;
  lane<vnode_get_v1> reads;
  lane<vnode_merge_v1> merges;
  uint64_t next_id = 0;
  /// When each message sent is given up, by its id (ids are unique across
  /// the lanes); an answered message's entry finds nothing then.
  detail::deadline_queue<uint64_t> deadlines;

  lane<vnode_get_v1>& lane_of(const vnode_get_v1*) { return reads; }
  lane<vnode_merge_v1>& lane_of(const vnode_merge_v1*) { return merges; }
};

using outbox_ptr = caf::stateful_actor<outbox_state>*;

template <class Request>
lane<Request>& lane_of(outbox_ptr self) {
  return self->state.lane_of(static_cast<const Request*>(nullptr));
}

template <class Request>
void pump(outbox_ptr self);

void fail_all(std::vector<object_promise>& promises, const caf::error& err) {
  for (auto& p : promises)
    p.deliver(err);
}

/// Takes message `id` out of `messages`, if it is still there: an answer
/// after the message was given up (or failed) finds nothing.
template <class Message>
std::optional<Message> take(std::map<uint64_t, Message>& messages,
                            uint64_t id) {
  auto i = messages.find(id);
  if (i == messages.end())
    return std::nullopt;
  auto msg = std::move(i->second);
  messages.erase(i);
  return msg;
}

/// Ends a message: unless its requests failed already (given up, or the
/// connection was lost), `deliver` answers them; its place is free again.
template <class Request, class Deliver>
void finish_message(outbox_ptr self, uint64_t id, Deliver deliver) {
  auto& ln = lane_of<Request>(self);
  if (auto msg = take(ln.in_flight, id)) {
    deliver(*msg);
    pump<Request>(self);
  } else if (auto alone = take(ln.alone, id)) {
    deliver(*alone);
  }
}

/// A new message of `ln` (in `messages`, its window or outside it), given
/// up after the timeout unless answered first.
template <class Request>
typename lane<Request>::message&
start_message(outbox_ptr self,
              std::map<uint64_t, typename lane<Request>::message>& messages,
              uint64_t id) {
  auto& st = self->state;
  auto now = self->clock().now();
  if (auto at = st.deadlines.add(now + st.cfg.timeout, id))
    self->delayed_send(self, *at - now, outbox_sweep_atom::value);
  return messages[id];
}

/// Sends one request in its own message, in the window (`in_flight`) or
/// outside it (`alone`: a refused batch's reads).
template <class Request>
void send_one(outbox_ptr self,
              std::map<uint64_t, typename lane<Request>::message>& messages,
              Request req, object_promise promise) {
  auto id = self->state.next_id++;
  start_message<Request>(self, messages, id)
    .promises.push_back(std::move(promise));
  // No CAF timeout: the sweep gives the message up (outbox_sweep_atom).
  self->request(self->state.cfg.peer, caf::infinite, std::move(req))
    .then(
      [self, id](vnode_object_v1& reply) {
        finish_message<Request>(self, id, [&](auto& msg) {
          msg.promises.front().deliver(std::move(reply));
        });
      },
      [self, id](caf::error& err) {
        finish_message<Request>(self, id, [&](auto& msg) {
          fail_all(msg.promises, err);
        });
      });
}

/// True if a reply of `answered` answers (with `failures`) all of the
/// `promises` of a batch; else fails them all.
bool answers_all(std::vector<object_promise>& promises, size_t answered,
                 const std::vector<caf::error>& failures) {
  auto n = promises.size();
  if (answered == n && (failures.empty() || failures.size() == n))
    return true;
  fail_all(promises, make_error(dkv_errc::storage_failure,
                                "a replica answered "
                                  + std::to_string(answered) + " of "
                                  + std::to_string(n)
                                  + " requests in a batch"));
  return false;
}

/// Hands each read of a batch its own answer from the peer's reply: the
/// object its record holds. A record that does not decode fails its own
/// read, as the peer's own read of a corrupt record would.
void answer_batch(std::vector<object_promise>& promises,
                  const std::vector<vnode_get_v1>& reads,
                  vnode_records_v1& reply) {
  if (!answers_all(promises, reply.records.size(), reply.failures))
    return;
  for (size_t i = 0; i < promises.size(); ++i) {
    if (!reply.failures.empty() && reply.failures[i]) {
      promises[i].deliver(std::move(reply.failures[i]));
      continue;
    }
    auto stored = storage::decode_sent_record(reads[i].key, reply.records[i]);
    if (stored)
      promises[i].deliver(vnode_object_v1{std::move(*stored)});
    else
      promises[i].deliver(make_error(dkv_errc::storage_failure,
                                     "a replica sent a record that does "
                                     "not decode"));
  }
}

/// Hands each merge of a batch its acknowledgement (its key) or error.
void answer_batch(std::vector<object_promise>& promises,
                  std::vector<vnode_merge_v1>& merges,
                  vnode_merge_acks_v1& reply) {
  if (!answers_all(promises, reply.merges, reply.failures))
    return;
  for (size_t i = 0; i < promises.size(); ++i)
    if (!reply.failures.empty() && reply.failures[i])
      promises[i].deliver(std::move(reply.failures[i]));
    else
      promises[i].deliver(
        vnode_object_v1{object{std::move(merges[i].incoming.key), {}}});
}

template <class Request>
void batch_failed(outbox_ptr self, uint64_t id, caf::error& err) {
  auto& ln = lane_of<Request>(self);
  bool unknown = err == caf::sec::unexpected_message;
  if (unknown)
    ln.singles_only = true;
  finish_message<Request>(self, id, [&](auto& msg) {
    // A peer refuses a batch of reads needing more than a lookup
    // (unavailable); an older peer does not know a batch at all.
    bool refused = std::is_same_v<Request, vnode_get_v1>
                   && dkv_code(err) == dkv_errc::unavailable;
    if (!(unknown || refused) || msg.requests.size() != msg.promises.size()) {
      // Merges lost to this replica: anti-entropy repairs it.
      fail_all(msg.promises, err);
      return;
    }
    for (size_t i = 0; i < msg.requests.size(); ++i)
      send_one(self, lane_of<Request>(self).alone, std::move(msg.requests[i]),
               std::move(msg.promises[i]));
  });
}

template <class Request>
void send_batch(outbox_ptr self, size_t count) {
  auto& st = self->state;
  auto& ln = lane_of<Request>(self);
  auto id = st.next_id++;
  auto& msg = start_message<Request>(self, ln.in_flight, id);
  std::vector<Request> requests;
  requests.reserve(count);
  msg.promises.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    requests.push_back(std::move(ln.waiting.front().first));
    msg.promises.push_back(std::move(ln.waiting.front().second));
    ln.waiting.pop_front();
  }
  msg.requests = std::move(requests);
  // The peer answers reads with records, merges with acknowledgements.
  using reply_type = std::conditional_t<std::is_same_v<Request, vnode_get_v1>,
                                        vnode_records_v1, vnode_merge_acks_v1>;
  self->request(st.cfg.peer, caf::infinite, batch_of(msg.requests))
    .then(
      [self, id](reply_type& reply) {
        finish_message<Request>(self, id, [&](auto& msg) {
          answer_batch(msg.promises, msg.requests, reply);
        });
      },
      [self, id](caf::error& err) { batch_failed<Request>(self, id, err); });
}

template <class Request>
void pump(outbox_ptr self) {
  auto& st = self->state;
  auto& ln = lane_of<Request>(self);
  while (!ln.waiting.empty() && ln.in_flight.size() < st.cfg.in_flight) {
    auto count = std::min(ln.waiting.size(), st.cfg.batch);
    // A lone request goes as a batch too: its answer is a record (a merge's
    // an acknowledgement), not an object CAF encodes field by field.
    if (ln.singles_only) {
      auto next = std::move(ln.waiting.front());
      ln.waiting.pop_front();
      send_one(self, ln.in_flight, std::move(next.first),
               std::move(next.second));
    } else {
      send_batch<Request>(self, count);
    }
  }
}

template <class Request>
void fail_lane(lane<Request>& ln, const caf::error& err) {
  for (auto& w : ln.waiting)
    w.second.deliver(err);
  ln.waiting.clear();
  for (auto* messages : {&ln.in_flight, &ln.alone}) {
    for (auto& [id, msg] : *messages)
      fail_all(msg.promises, err);
    messages->clear();
  }
}

/// Fails message `id` of `ln` if it is still unanswered, as CAF fails a
/// request past its timeout; true if it held a place in the window.
template <class Request>
bool give_up(lane<Request>& ln, uint64_t id) {
  auto timed_out = caf::make_error(caf::sec::request_timeout);
  if (auto msg = take(ln.in_flight, id)) {
    fail_all(msg->promises, timed_out);
    return true;
  }
  if (auto msg = take(ln.alone, id))
    fail_all(msg->promises, timed_out);
  return false;
}

void sweep(outbox_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  std::optional<caf::actor_clock::time_point> next;
  bool reads_freed = false;
  bool merges_freed = false;
  for (auto id : st.deadlines.expire(now, next)) {
    reads_freed = give_up(st.reads, id) || reads_freed;
    merges_freed = give_up(st.merges, id) || merges_freed;
  }
  if (next)
    self->delayed_send(self, *next - now, outbox_sweep_atom::value);
  if (reads_freed)
    pump<vnode_get_v1>(self);
  if (merges_freed)
    pump<vnode_merge_v1>(self);
}

template <class Request>
object_promise enqueue(outbox_ptr self, Request& req) {
  auto promise = self->make_response_promise<vnode_object_v1>();
  lane_of<Request>(self).waiting.emplace_back(std::move(req), promise);
  pump<Request>(self);
  return promise;
}

caf::behavior peer_outbox(outbox_ptr self, peer_outbox_config cfg) {
  cfg.in_flight = std::max<size_t>(cfg.in_flight, 1);
  cfg.batch = std::max<size_t>(cfg.batch, 1);
  self->state.cfg = std::move(cfg);
  // Under load a message is answered long before its deadline: the timer
  // then wakes at most ten times per timeout, a deadline at most a tenth
  // late (as the router's rounds).
  self->state.deadlines
    = detail::deadline_queue<uint64_t>{self->state.cfg.timeout / 10};
  self->monitor(self->state.cfg.peer);
  // Nothing waiting or in flight will be answered once the outbox ends:
  // its requests fail now, not at their coordinators' deadlines.
  auto fail_held = [self](const char* why) {
    auto err = make_error(dkv_errc::unavailable, why);
    fail_lane(self->state.reads, err);
    fail_lane(self->state.merges, err);
  };
  self->set_down_handler([self, fail_held](caf::down_msg&) {
    fail_held("the connection to the replica was lost");
    self->quit();
  });
  // The router retires an outbox when the peer's handle changes.
  self->set_exit_handler([self, fail_held](caf::exit_msg& msg) {
    fail_held("the connection to the replica changed");
    self->quit(msg.reason);
  });
  return {
    [self](vnode_get_v1& req) { return enqueue(self, req); },
    [self](vnode_merge_v1& req) { return enqueue(self, req); },
    [self](outbox_sweep_atom) { sweep(self); },
  };
}

} // namespace

caf::actor spawn_peer_outbox(caf::actor_system& sys, peer_outbox_config cfg) {
  return sys.spawn(peer_outbox, std::move(cfg));
}

} // namespace dkv
