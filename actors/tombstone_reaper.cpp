#include "actors/tombstone_reaper.hpp"

#include "caf/all.hpp"

#include "actors/finish_once.hpp"

namespace dkv {

namespace {

struct reaper_state {
  static inline const char* name = "dkv.tombstone_reaper";
  reaper_config cfg;
  finish_once<reap_stats> finish;
  reap_stats stats;
  vnode_tombstone_list_v1 candidates;
  std::map<std::string, reap_answer_v1> answers;
  size_t waiting = 0;
};

using reaper_ptr = caf::stateful_actor<reaper_state>*;

void fail(reaper_ptr self, caf::error err) {
  self->state.finish(std::move(err));
  self->quit();
}

void succeed(reaper_ptr self) {
  self->state.finish(self->state.stats);
  self->quit();
}

void reap(reaper_ptr self) {
  auto& st = self->state;
  auto& keys = st.candidates.keys;
  auto& hashes = st.candidates.hashes;
  for (auto& [name, answer] : st.answers)
    if (answer.hints_pending > 0 || answer.hashes.size() != keys.size()) {
      succeed(self); // a hint could resurrect any key: not this round
      return;
    }
  std::vector<bool> reapable(keys.size(), true);
  for (size_t i = 0; i < keys.size(); ++i)
    for (auto& [name, answer] : st.answers) {
      auto h = answer.hashes[i];
      bool primary = st.cfg.primaries.count(name) > 0;
      if ((primary && h != hashes[i]) || (h != 0 && h != hashes[i]))
        reapable[i] = false;
    }
  // Every node gets the reap, holding a copy or not: each remembers the
  // clocks, so that an older version still in flight to it is dropped
  // (actors/detail/reaped_memory.hpp).
  vnode_reap_v1 req;
  req.partition = st.cfg.partition;
  for (size_t i = 0; i < keys.size(); ++i)
    if (reapable[i]) {
      req.keys.push_back(keys[i]);
      req.hashes.push_back(hashes[i]);
      req.clocks.push_back(st.candidates.clocks[i]);
    }
  if (req.keys.empty()) {
    succeed(self);
    return;
  }
  for (auto& answered : st.answers) {
    ++st.waiting;
    self->request(st.cfg.nodes[answered.first], st.cfg.timeout, req)
      .then(
        [self](vnode_reaped_v1& done) {
          auto& st = self->state;
          st.stats.reaped += done.reaped;
          if (--st.waiting == 0)
            succeed(self);
        },
        [self](caf::error& err) { fail(self, std::move(err)); });
  }
}

void ask_everyone(reaper_ptr self) {
  auto& st = self->state;
  for (auto& p : st.cfg.primaries)
    if (st.cfg.nodes.count(p) == 0) {
      succeed(self); // a primary we cannot ask: nothing is reapable
      return;
    }
  st.waiting = st.cfg.nodes.size();
  for (auto& [name, handle] : st.cfg.nodes)
    self
      ->request(handle, st.cfg.timeout,
                reap_query_v1{st.cfg.partition, st.candidates.keys})
      .then(
        [self, name = name](reap_answer_v1& answer) {
          auto& st = self->state;
          st.answers[name] = std::move(answer);
          if (--st.waiting == 0)
            reap(self);
        },
        [self](caf::error& err) { fail(self, std::move(err)); });
}

caf::behavior tombstone_reaper(reaper_ptr self, reaper_config cfg) {
  auto& st = self->state;
  st.finish
    = finish_once<reap_stats>{std::move(cfg.finish), "tombstone reaper"};
  st.cfg = std::move(cfg);
  auto local = st.cfg.nodes.find(st.cfg.self_name);
  if (local == st.cfg.nodes.end()) {
    fail(self, make_error(dkv_errc::invalid_argument, "no local node"));
    return {};
  }
  self
    ->request(local->second, st.cfg.timeout,
              vnode_tombstones_v1{st.cfg.partition, st.cfg.batch})
    .then(
      [self](vnode_tombstone_list_v1& found) {
        auto& st = self->state;
        if (found.keys.empty() || found.keys.size() != found.hashes.size()
            || found.keys.size() != found.clocks.size()) {
          succeed(self);
          return;
        }
        st.stats.candidates = found.keys.size();
        st.candidates = std::move(found);
        ask_everyone(self);
      },
      [self](caf::error& err) { fail(self, std::move(err)); });
  // Everything runs in response handlers; nothing else is accepted.
  return {[](int) {}};
}

} // namespace

caf::actor spawn_tombstone_reaper(caf::actor_system& sys, reaper_config cfg) {
  return sys.spawn(tombstone_reaper, std::move(cfg));
}

} // namespace dkv
