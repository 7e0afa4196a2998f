#include "actors/get_coordinator.hpp"

#include "caf/all.hpp"

#include "actors/detail/get_quorum.hpp"
#include "actors/finish_once.hpp"
#include "messages/errors.hpp"

namespace dkv {

namespace {

struct get_state {
  static inline const char* name = "dkv.get_coordinator";
  get_coordinator_config cfg;
  std::optional<detail::get_quorum> quorum;
  finish_once<object> finish;
  bool repaired = false;
};

using get_ptr = caf::stateful_actor<get_state>*;

void read_repair(get_ptr self) {
  auto& st = self->state;
  if (st.repaired)
    return;
  st.repaired = true;
  auto& merged = st.quorum->merged();
  if (merged.siblings.empty())
    return;
  for (auto& node : st.quorum->stale_replicas()) {
    for (auto& t : st.cfg.targets) {
      if (t.node != node || !t.handle)
        continue;
      // Fire and forget: a lost repair is retried by the next read or by
      // anti-entropy; waiting would only keep this actor alive longer.
      vnode_merge_v1 repair{st.cfg.partition, merged, false};
      if (t.outbox)
        caf::anon_send(t.outbox, std::move(repair));
      else
        caf::anon_send(t.handle, std::move(repair));
      if (st.cfg.on_repair)
        st.cfg.on_repair(node);
    }
  }
}

void check_quorum(get_ptr self) {
  auto& st = self->state;
  auto& q = *st.quorum;
  if (q.enough()) {
    st.finish(q.merged());
  } else if (q.impossible()) {
    st.finish(make_error(dkv_errc::quorum_unavailable,
                         std::to_string(q.replies()) + " of R="
                           + std::to_string(q.required())
                           + " replicas answered the read"));
  }
  if (q.complete())
    read_repair(self);
}

caf::behavior get_coordinator(get_ptr self, get_coordinator_config cfg) {
  auto& st = self->state;
  st.finish = finish_once<object>{std::move(cfg.finish), "get coordinator"};
  st.cfg = std::move(cfg);
  std::vector<std::string> names;
  for (auto& t : st.cfg.targets)
    names.push_back(t.node);
  st.quorum.emplace(st.cfg.key, std::move(names), st.cfg.r);
  for (auto& t : st.cfg.targets) {
    auto node = t.node;
    if (!t.handle) {
      st.quorum->fail(node);
      continue;
    }
    auto replied = [self, node](vnode_object_v1& reply) {
      self->state.quorum->reply(node, reply.stored);
      check_quorum(self);
    };
    auto failed = [self, node](caf::error&) {
      self->state.quorum->fail(node);
      check_quorum(self);
    };
    vnode_get_v1 read{st.cfg.partition, st.cfg.key};
    if (t.outbox)
      self->request(t.outbox, st.cfg.timeout, std::move(read))
        .then(replied, failed);
    else
      self->request(t.handle, st.cfg.timeout, std::move(read))
        .then(replied, failed);
  }
  check_quorum(self);
  return {};
}

} // namespace

caf::actor spawn_get_coordinator(caf::actor_system& sys,
                                 get_coordinator_config cfg) {
  return sys.spawn(get_coordinator, std::move(cfg));
}

} // namespace dkv
