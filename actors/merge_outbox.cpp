#include "actors/merge_outbox.hpp"

#include <deque>
#include <map>
#include <utility>
#include <vector>

#include "caf/all.hpp"

#include "messages/errors.hpp"

namespace dkv {

namespace {

using merge_promise = caf::typed_response_promise<vnode_object_v1>;

struct waiting_merge {
  vnode_merge_v1 merge;
  merge_promise promise;
};

struct outbox_state {
  static inline const char* name = "dkv.merge_outbox";
  merge_outbox_config cfg;
  std::deque<waiting_merge> waiting;
  /// The promises of each message in flight, by a local id.
  std::map<uint64_t, std::vector<merge_promise>> in_flight;
  uint64_t next_id = 0;
  /// The peer does not know batches (a node of an older version): every
  /// merge goes alone from then on.
  bool singles_only = false;
};

using outbox_ptr = caf::stateful_actor<outbox_state>*;

void pump(outbox_ptr self);

/// Ends a message in flight: its promises, unless already failed, get
/// `deliver`'s answers; its place in the window is free again.
template <class Deliver>
void finish_message(outbox_ptr self, uint64_t id, Deliver deliver) {
  auto& st = self->state;
  auto i = st.in_flight.find(id);
  if (i == st.in_flight.end())
    return; // failed when the connection was lost
  auto promises = std::move(i->second);
  st.in_flight.erase(i);
  deliver(promises);
  pump(self);
}

void fail_all(std::vector<merge_promise>& promises, const caf::error& err) {
  for (auto& p : promises)
    p.deliver(err);
}

void send_single(outbox_ptr self, waiting_merge w) {
  auto& st = self->state;
  auto id = st.next_id++;
  st.in_flight[id].push_back(std::move(w.promise));
  self->request(st.cfg.peer, st.cfg.timeout, std::move(w.merge))
    .then(
      [self, id](vnode_object_v1& reply) {
        finish_message(self, id, [&](std::vector<merge_promise>& ps) {
          ps.front().deliver(std::move(reply));
        });
      },
      [self, id](caf::error& err) {
        finish_message(self, id, [&](std::vector<merge_promise>& ps) {
          fail_all(ps, err);
        });
      });
}

/// Hands each merge of a batch its own answer from the peer's reply.
void answer_batch(std::vector<merge_promise>& promises,
                  vnode_objects_v1& reply) {
  auto n = promises.size();
  if (reply.stored.size() != n
      || (!reply.failures.empty() && reply.failures.size() != n)) {
    fail_all(promises, make_error(dkv_errc::storage_failure,
                                  "a replica answered "
                                    + std::to_string(reply.stored.size())
                                    + " of " + std::to_string(n)
                                    + " merges in a batch"));
    return;
  }
  for (size_t i = 0; i < n; ++i)
    if (!reply.failures.empty() && reply.failures[i])
      promises[i].deliver(std::move(reply.failures[i]));
    else
      promises[i].deliver(vnode_object_v1{std::move(reply.stored[i])});
}

void send_batch(outbox_ptr self, size_t count) {
  auto& st = self->state;
  auto id = st.next_id++;
  auto& promises = st.in_flight[id];
  vnode_merge_batch_v1 batch;
  batch.merges.reserve(count);
  promises.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    batch.merges.push_back(std::move(st.waiting.front().merge));
    promises.push_back(std::move(st.waiting.front().promise));
    st.waiting.pop_front();
  }
  self->request(st.cfg.peer, st.cfg.timeout, std::move(batch))
    .then(
      [self, id](vnode_objects_v1& reply) {
        finish_message(self, id, [&](std::vector<merge_promise>& ps) {
          answer_batch(ps, reply);
        });
      },
      [self, id](caf::error& err) {
        if (err == caf::sec::unexpected_message) {
          // Those merges are lost to this replica (anti-entropy repairs
          // it); the next ones go alone.
          self->state.singles_only = true;
        }
        finish_message(self, id, [&](std::vector<merge_promise>& ps) {
          fail_all(ps, err);
        });
      });
}

void pump(outbox_ptr self) {
  auto& st = self->state;
  while (!st.waiting.empty() && st.in_flight.size() < st.cfg.in_flight) {
    auto count = std::min(st.waiting.size(), st.cfg.batch);
    if (count == 1 || st.singles_only) {
      auto w = std::move(st.waiting.front());
      st.waiting.pop_front();
      send_single(self, std::move(w));
    } else {
      send_batch(self, count);
    }
  }
}

/// The peer's connection is gone: nothing waiting or in flight will be
/// answered.
void fail_everything(outbox_ptr self) {
  auto& st = self->state;
  auto lost = make_error(dkv_errc::unavailable,
                         "the connection to the replica was lost");
  for (auto& w : st.waiting)
    w.promise.deliver(lost);
  st.waiting.clear();
  for (auto& [id, promises] : st.in_flight)
    fail_all(promises, lost);
  st.in_flight.clear();
}

caf::behavior merge_outbox(outbox_ptr self, merge_outbox_config cfg) {
  cfg.in_flight = std::max<size_t>(cfg.in_flight, 1);
  cfg.batch = std::max<size_t>(cfg.batch, 1);
  self->state.cfg = std::move(cfg);
  self->monitor(self->state.cfg.peer);
  self->set_down_handler([self](caf::down_msg&) {
    fail_everything(self);
    self->quit();
  });
  return {
    [self](vnode_merge_v1& merge) -> merge_promise {
      auto promise = self->make_response_promise<vnode_object_v1>();
      self->state.waiting.push_back({std::move(merge), promise});
      pump(self);
      return promise;
    },
  };
}

} // namespace

caf::actor spawn_merge_outbox(caf::actor_system& sys,
                              merge_outbox_config cfg) {
  return sys.spawn(merge_outbox, std::move(cfg));
}

} // namespace dkv
