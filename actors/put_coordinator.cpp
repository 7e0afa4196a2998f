#include "actors/put_coordinator.hpp"

#include <set>
#include <string>

#include "caf/all.hpp"

#include "actors/detail/put_quorum.hpp"
#include "actors/finish_once.hpp"
#include "actors/log_flusher.hpp"
#include "messages/coordinator_protocol.hpp"
#include "messages/errors.hpp"
#include "messages/handoff_protocol.hpp"

namespace dkv {

namespace {

struct put_state {
  static inline const char* name = "dkv.put_coordinator";
  put_coordinator_config cfg;
  std::optional<detail::put_quorum> quorum;
  object stored;
  finish_once<object> finish;
  /// Requests sent and not answered yet (gainers' included): the actor
  /// ends when none is left, or at the deadline.
  size_t outstanding = 0;
  /// Replicas that answered, one way or the other (by node name).
  std::set<std::string> answered;
  bool local_done = false;
  /// The local write is stored but not yet known to be on disk.
  bool flushing = false;
};

using put_ptr = caf::stateful_actor<put_state>*;

void answered(put_ptr self) {
  if (--self->state.outstanding == 0 && self->state.finish.done())
    self->quit();
}

void check_quorum(put_ptr self) {
  auto& st = self->state;
  auto& q = *st.quorum;
  if (q.enough() && !st.flushing) {
    st.finish(st.stored);
  } else if (q.impossible()) {
    st.finish(make_error(dkv_errc::quorum_unavailable,
                         std::to_string(q.acks()) + " of W="
                           + std::to_string(q.required())
                           + " replicas acknowledged the write"));
  }
}

/// Sends `msg` to one replica; its answer counts toward W.
template <class Handle, class Message>
void ask_replica(put_ptr self, const Handle& handle, Message msg,
                 const std::string& node) {
  ++self->state.outstanding;
  self->request(handle, caf::infinite, std::move(msg))
    .then(
      [self, node](vnode_object_v1&) {
        self->state.answered.insert(node);
        self->state.quorum->ack(node);
        check_quorum(self);
        answered(self);
      },
      [self, node](caf::error&) {
        self->state.answered.insert(node);
        self->state.quorum->fail(node);
        check_quorum(self);
        answered(self);
      });
}

/// Sends the stored object to a replica: as a plain merge to a home
/// replica, or with the hint of the home replica a substitute stands in for.
void send_to(put_ptr self, const replica_target& t) {
  auto& st = self->state;
  auto partition = st.cfg.write.partition;
  if (!t.hint_for.empty() && t.hint_handle)
    ask_replica(self, t.hint_handle,
                vnode_hint_v1{partition, st.stored, t.hint_for}, t.node);
  else if (t.hint_for.empty() && t.outbox)
    ask_replica(self, t.outbox,
                vnode_merge_v1{partition, st.stored, false}, t.node);
  else if (t.hint_for.empty() && t.handle)
    ask_replica(self, t.handle, vnode_merge_v1{partition, st.stored, false},
                t.node);
  else
    st.quorum->fail(t.node); // unreachable now
}

/// Makes the local write durable through the node's group commit; the put
/// cannot succeed before, and fails if the flush does.
void flush_local(put_ptr self) {
  auto& st = self->state;
  st.flushing = true;
  ++st.outstanding;
  self->request(st.cfg.flusher, caf::infinite, flush_log_atom::value)
    .then(
      [self](flush_log_atom) {
        self->state.flushing = false;
        check_quorum(self);
        answered(self);
      },
      [self](caf::error& err) {
        // Replicas may hold the write, as after a timeout; the client
        // learns that it is not known to be durable.
        self->state.finish(flush_failure(std::move(err)));
        answered(self);
      });
}

void replicate(put_ptr self) {
  auto& st = self->state;
  auto& targets = st.cfg.targets;
  for (size_t i = 1; i < targets.size(); ++i)
    send_to(self, targets[i]);
  for (auto& t : st.cfg.pending)
    if (t.handle) {
      ++st.outstanding;
      self
        ->request(t.handle, caf::infinite,
                  vnode_merge_v1{st.cfg.write.partition, st.stored, false})
        .then([self](vnode_object_v1&) { answered(self); },
              [self](caf::error&) { answered(self); });
    }
  check_quorum(self);
  if (st.outstanding == 0)
    self->quit();
}

/// What has not answered by now failed: the put ends with what it has.
void deadline(put_ptr self) {
  auto& st = self->state;
  if (!st.local_done || st.flushing) {
    st.finish(caf::make_error(caf::sec::request_timeout));
  } else {
    for (auto& node : st.quorum->targets())
      if (st.answered.count(node) == 0)
        st.quorum->fail(node);
    check_quorum(self);
  }
  self->quit();
}

caf::behavior put_coordinator(put_ptr self, put_coordinator_config cfg) {
  auto& st = self->state;
  st.finish = finish_once<object>{std::move(cfg.finish), "put coordinator"};
  st.cfg = std::move(cfg);
  std::vector<std::string> names;
  for (auto& t : st.cfg.targets)
    names.push_back(t.node);
  st.quorum.emplace(std::move(names), st.cfg.w);
  if (st.cfg.targets.empty() || !st.cfg.targets.front().handle) {
    st.finish(make_error(dkv_errc::unavailable,
                         "no local replica to coordinate the write"));
    return {};
  }
  auto local = st.cfg.targets.front();
  // One timer per write instead of one CAF request timeout per replica;
  // the router's coordinators have none at all (external_deadline).
  if (!st.cfg.external_deadline)
    self->delayed_send(self, st.cfg.timeout, coordinator_deadline_atom::value);
  self->request(local.handle, caf::infinite, st.cfg.write)
    .then(
      [self, local](vnode_object_v1& reply) {
        self->state.local_done = true;
        self->state.stored = std::move(reply.stored);
        if (local.hint_for.empty())
          self->state.quorum->ack(local.node);
        else
          send_to(self, local); // this node stands in for an owner: hint
        if (self->state.cfg.flusher)
          flush_local(self);
        replicate(self);
      },
      [self](caf::error& err) {
        // The local write failed: nothing was replicated, the client learns
        // why (storage_failure, invalid_argument, ...).
        self->state.finish(std::move(err));
        self->quit();
      });
  return {
    [self](coordinator_deadline_atom) { deadline(self); },
  };
}

} // namespace

caf::actor spawn_put_coordinator(caf::actor_system& sys,
                                 put_coordinator_config cfg) {
  return sys.spawn(put_coordinator, std::move(cfg));
}

} // namespace dkv
