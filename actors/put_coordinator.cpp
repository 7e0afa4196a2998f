#include "actors/put_coordinator.hpp"

#include "caf/all.hpp"

#include "actors/detail/put_quorum.hpp"
#include "actors/finish_once.hpp"
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
};

using put_ptr = caf::stateful_actor<put_state>*;

void check_quorum(put_ptr self) {
  auto& st = self->state;
  auto& q = *st.quorum;
  if (q.enough()) {
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
  self->request(handle, self->state.cfg.timeout, std::move(msg))
    .then(
      [self, node](vnode_object_v1&) {
        self->state.quorum->ack(node);
        check_quorum(self);
      },
      [self, node](caf::error&) {
        self->state.quorum->fail(node);
        check_quorum(self);
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
  else if (t.hint_for.empty() && t.handle)
    ask_replica(self, t.handle, vnode_merge_v1{partition, st.stored, false},
                t.node);
  else
    st.quorum->fail(t.node); // unreachable now
}

void replicate(put_ptr self) {
  auto& st = self->state;
  auto& targets = st.cfg.targets;
  for (size_t i = 1; i < targets.size(); ++i)
    send_to(self, targets[i]);
  for (auto& t : st.cfg.pending)
    if (t.handle)
      self
        ->request(t.handle, st.cfg.timeout,
                  vnode_merge_v1{st.cfg.write.partition, st.stored, false})
        .then([](vnode_object_v1&) {}, [](caf::error&) {});
  check_quorum(self);
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
  self->request(local.handle, st.cfg.timeout, st.cfg.write)
    .then(
      [self, local](vnode_object_v1& reply) {
        self->state.stored = std::move(reply.stored);
        if (local.hint_for.empty())
          self->state.quorum->ack(local.node);
        else
          send_to(self, local); // this node stands in for an owner: hint
        replicate(self);
      },
      [self](caf::error& err) {
        // The local write failed: nothing was replicated, the client learns
        // why (storage_failure, invalid_argument, ...).
        self->state.finish(std::move(err));
      });
  return {};
}

} // namespace

caf::actor spawn_put_coordinator(caf::actor_system& sys,
                                 put_coordinator_config cfg) {
  return sys.spawn(put_coordinator, std::move(cfg));
}

} // namespace dkv
