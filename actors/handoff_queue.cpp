#include "actors/handoff_queue.hpp"

#include <map>

#include "caf/all.hpp"

#include "actors/logging.hpp"
#include "actors/storage_errors.hpp"
#include "messages/handoff_protocol.hpp"
#include "messages/node_protocol.hpp"

namespace dkv {

namespace {

using handoff_tick_atom = caf::atom_constant<caf::atom("ho_tick")>;

struct owner_state {
  caf::actor handle; // null while unreachable
  bool in_flight = false;
  std::chrono::steady_clock::time_point not_before;
  std::chrono::milliseconds backoff{0};
};

struct handoff_state {
  static inline const char* name = "dkv.handoff_queue";
  handoff_config cfg;
  std::shared_ptr<spdlog::logger> log;
  std::map<std::string, owner_state> owners;
  uint64_t delivered = 0;
};

using handoff_ptr = caf::stateful_actor<handoff_state>*;

void deliver_batch(handoff_ptr self, const std::string& owner);

void batch_done(handoff_ptr self, const std::string& owner, size_t ok,
                size_t failed) {
  auto& st = self->state;
  auto& o = st.owners[owner];
  o.in_flight = false;
  st.delivered += ok;
  if (ok > 0)
    st.log->info("handoff.delivered target={} objects={}", owner, ok);
  if (failed > 0) {
    o.backoff = std::min(st.cfg.max_backoff,
                         o.backoff.count() == 0 ? st.cfg.interval
                                                : o.backoff * 2);
    o.not_before = self->clock().now() + o.backoff;
    st.log->warn("handoff.retry target={} failed={} backoff_ms={}", owner,
                 failed, o.backoff.count());
    return;
  }
  o.backoff = std::chrono::milliseconds{0};
  if (ok > 0)
    deliver_batch(self, owner); // more may be waiting: keep going
}

void deliver_batch(handoff_ptr self, const std::string& owner) {
  auto& st = self->state;
  auto& o = st.owners[owner];
  if (!o.handle || o.in_flight
      || self->clock().now() < o.not_before)
    return;
  std::vector<storage::hint> batch;
  if (auto res = st.cfg.hints->pending(owner, st.cfg.batch, batch);
      !res.ok()) {
    st.log->error("handoff.read_failed target={} error=\"{}\"", owner,
                  res.message);
    return;
  }
  if (batch.empty())
    return;
  o.in_flight = true;
  struct progress {
    size_t outstanding;
    size_t ok = 0;
    size_t failed = 0;
  };
  auto prog = std::make_shared<progress>(progress{batch.size()});
  auto target = caf::actor_cast<node_actor>(o.handle);
  for (auto& h : batch) {
    object obj;
    if (auto res = st.cfg.store->get(h.partition, h.key, obj); !res.ok()) {
      // Unreadable (e.g. corrupt): keep the hint, report, try again later.
      st.log->error("handoff.object_unreadable target={} partition={} "
                    "error=\"{}\"",
                    owner, h.partition, res.message);
      ++prog->failed;
      if (--prog->outstanding == 0)
        batch_done(self, owner, prog->ok, prog->failed);
      continue;
    }
    self
      ->request(target, st.cfg.request_timeout,
                vnode_merge_v1{h.partition, std::move(obj), false})
      .then(
        [self, owner, h, prog](vnode_object_v1&) {
          // Acknowledged by the owner: only now may the hint go.
          if (auto res = self->state.cfg.hints->remove(h); res.ok())
            ++prog->ok;
          else
            ++prog->failed;
          if (--prog->outstanding == 0)
            batch_done(self, owner, prog->ok, prog->failed);
        },
        [self, owner, prog](caf::error&) {
          ++prog->failed;
          if (--prog->outstanding == 0)
            batch_done(self, owner, prog->ok, prog->failed);
        });
  }
}

caf::behavior handoff_queue(handoff_ptr self, handoff_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.log = logger("handoff");
  if (auto res = st.cfg.hints->open(); !res.ok()) {
    self->quit(to_error(res));
    return {};
  }
  self->send(self, handoff_tick_atom::value);
  return {
    [self](handoff_tick_atom) {
      for (auto& kvp : self->state.owners)
        deliver_batch(self, kvp.first);
      self->delayed_send(self, self->state.cfg.interval,
                         handoff_tick_atom::value);
    },
    [self](peer_up_atom, const std::string& name, caf::actor& handle) {
      auto& o = self->state.owners[name];
      o.handle = std::move(handle);
      o.backoff = std::chrono::milliseconds{0};
      o.not_before = {};
      deliver_batch(self, name);
    },
    [self](peer_down_atom, const std::string& name) {
      self->state.owners[name].handle = nullptr;
    },
    [self](vnode_hint_v1& req) -> caf::result<vnode_object_v1> {
      auto& st = self->state;
      storage::hint h{req.owner, req.partition, req.incoming.key};
      if (auto res = st.cfg.hints->add(h); !res.ok())
        return to_error(res);
      auto rp = self->make_response_promise<vnode_object_v1>();
      self
        ->request(caf::actor_cast<node_actor>(st.cfg.router),
                  st.cfg.request_timeout,
                  vnode_merge_v1{req.partition, std::move(req.incoming),
                                 false})
        .then([rp](vnode_object_v1& x) mutable { rp.deliver(std::move(x)); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](caf::get_atom) {
      std::vector<hint_count> result;
      std::map<std::string, uint64_t> counts;
      if (self->state.cfg.hints->counts(counts).ok())
        for (auto& [owner, n] : counts)
          result.push_back(hint_count{owner, n});
      return result;
    },
  };
}

} // namespace

caf::actor spawn_handoff_queue(caf::actor_system& sys, handoff_config cfg) {
  return sys.spawn(handoff_queue, std::move(cfg));
}

} // namespace dkv
