#include "actors/put_coordinator.hpp"

#include "caf/all.hpp"

#include "actors/detail/put_quorum.hpp"
#include "messages/errors.hpp"
#include "messages/handoff_protocol.hpp"

namespace dkv {

namespace {

struct put_state {
  static inline const char* name = "dkv.put_coordinator";
  put_coordinator_config cfg;
  std::optional<detail::put_quorum> quorum;
  object stored;
  bool finished = false;

  void finish(caf::expected<object> result) {
    if (finished)
      return;
    finished = true;
    cfg.finish(std::move(result));
  }

  ~put_state() {
    if (!finished && cfg.finish)
      finish(make_error(dkv_errc::timeout, "put coordinator stopped early"));
  }
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

/// Sends the stored object to a substitute with the hint of the home
/// replica it stands in for; its ack counts like the home replica's.
void send_hinted(put_ptr self, const replica_target& t) {
  auto& st = self->state;
  auto node = t.node;
  if (!t.hint_handle) {
    st.quorum->fail(node);
    return;
  }
  vnode_hint_v1 msg{st.cfg.write.partition, st.stored, t.hint_for};
  self->request(t.hint_handle, st.cfg.timeout, std::move(msg))
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

void replicate(put_ptr self) {
  auto& st = self->state;
  auto& targets = st.cfg.targets;
  for (size_t i = 1; i < targets.size(); ++i) {
    auto node = targets[i].node;
    if (!targets[i].hint_for.empty()) {
      send_hinted(self, targets[i]);
      continue;
    }
    if (!targets[i].handle) {
      st.quorum->fail(node);
      continue;
    }
    vnode_merge_v1 msg{st.cfg.write.partition, st.stored, false};
    self->request(targets[i].handle, st.cfg.timeout, std::move(msg))
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
  check_quorum(self);
}

caf::behavior put_coordinator(put_ptr self, put_coordinator_config cfg) {
  auto& st = self->state;
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
          send_hinted(self, local); // this node stands in for an owner
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
