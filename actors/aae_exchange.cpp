#include "actors/aae_exchange.hpp"

#include <algorithm>
#include <deque>
#include <optional>

#include "caf/all.hpp"

#include "actors/detail/merkle_tree.hpp"
#include "actors/finish_once.hpp"

namespace dkv {

uint64_t payload_bytes(const object& x) {
  uint64_t result = x.key.size();
  for (auto& s : x.siblings)
    result += s.value.size() + 24 * (s.past.entries.size() + 1) + 16;
  return result;
}

namespace {

struct repair_task {
  std::string key;
  bool local_has = false;
};

struct exchange_state {
  static inline const char* name = "dkv.aae_exchange";
  exchange_config cfg;
  finish_once<exchange_stats> finish;
  exchange_stats stats;
  std::optional<detail::merkle_tree> shape;
  std::vector<uint32_t> segments;
  size_t next_segment = 0;
  std::deque<repair_task> repairs;
  size_t in_flight = 0;
};

using exchange_ptr = caf::stateful_actor<exchange_state>*;

void fail(exchange_ptr self, caf::error err) {
  self->state.finish(std::move(err));
  self->quit();
}

void succeed(exchange_ptr self) {
  self->state.finish(self->state.stats);
  self->quit();
}

void next_chunk(exchange_ptr self);

void pump_repairs(exchange_ptr self) {
  auto& st = self->state;
  while (st.in_flight < st.cfg.window && !st.repairs.empty()) {
    auto task = std::move(st.repairs.front());
    st.repairs.pop_front();
    ++st.in_flight;
    auto p = st.cfg.partition;
    auto on_error = [self](caf::error& err) { fail(self, std::move(err)); };
    auto merge_back = [self, p, on_error](vnode_object_v1& merged) {
      auto& st = self->state;
      st.stats.bytes += payload_bytes(merged.stored);
      self
        ->request(st.cfg.local, st.cfg.timeout,
                  vnode_merge_v1{p, std::move(merged.stored), false})
        .then(
          [self](vnode_object_v1&) {
            auto& st = self->state;
            ++st.stats.keys_repaired;
            --st.in_flight;
            pump_repairs(self);
          },
          on_error);
    };
    if (task.local_has) {
      self->request(st.cfg.local, st.cfg.timeout, vnode_get_v1{p, task.key})
        .then(
          [self, p, merge_back, on_error](vnode_object_v1& mine) {
            auto& st = self->state;
            st.stats.bytes += payload_bytes(mine.stored);
            self
              ->request(st.cfg.remote, st.cfg.timeout,
                        vnode_merge_v1{p, std::move(mine.stored), false})
              .then(merge_back, on_error);
          },
          on_error);
    } else {
      self->request(st.cfg.remote, st.cfg.timeout, vnode_get_v1{p, task.key})
        .then(merge_back, on_error);
    }
  }
  if (st.in_flight == 0 && st.repairs.empty())
    next_chunk(self);
}

using key_hashes = std::vector<std::pair<std::string, uint64_t>>;

key_hashes sorted_pairs(vnode_key_hashes_v1& x, uint64_t& bytes) {
  key_hashes result;
  auto n = std::min(x.keys.size(), x.hashes.size());
  for (size_t i = 0; i < n; ++i) {
    bytes += x.keys[i].size() + 8;
    result.emplace_back(std::move(x.keys[i]), x.hashes[i]);
  }
  std::sort(result.begin(), result.end());
  return result;
}

/// Queues a repair for every key whose hash differs or that one side lacks.
void plan_repairs(exchange_ptr self, const key_hashes& mine,
                  const key_hashes& theirs) {
  auto& st = self->state;
  auto i = mine.begin();
  auto j = theirs.begin();
  while (i != mine.end() || j != theirs.end()) {
    ++st.stats.keys_compared;
    if (j == theirs.end() || (i != mine.end() && i->first < j->first)) {
      st.repairs.push_back({i->first, true});
      ++i;
    } else if (i == mine.end() || j->first < i->first) {
      st.repairs.push_back({j->first, false});
      ++j;
    } else {
      if (i->second != j->second)
        st.repairs.push_back({i->first, true});
      ++i;
      ++j;
    }
  }
}

/// Compares the keys of the next chunk of differing segments.
void next_chunk(exchange_ptr self) {
  auto& st = self->state;
  if (st.next_segment >= st.segments.size()) {
    succeed(self);
    return;
  }
  auto end = std::min(st.segments.size(),
                      st.next_segment + st.cfg.segments_per_request);
  std::vector<uint32_t> chunk(st.segments.begin() + st.next_segment,
                              st.segments.begin() + end);
  st.next_segment = end;
  auto p = st.cfg.partition;
  auto on_error = [self](caf::error& err) { fail(self, std::move(err)); };
  self->request(st.cfg.local, st.cfg.timeout, vnode_segments_v1{p, chunk})
    .then(
      [self, p, chunk, on_error](vnode_key_hashes_v1& mine) {
        auto& st = self->state;
        self
          ->request(st.cfg.remote, st.cfg.timeout, vnode_segments_v1{p, chunk})
          .then(
            [self, mine,
             n = chunk.size()](vnode_key_hashes_v1& theirs) mutable {
              auto& st = self->state;
              st.stats.bytes += 4 * n; // the segment ids sent
              uint64_t local_bytes = 0;
              auto mine_sorted = sorted_pairs(mine, local_bytes);
              auto theirs_sorted = sorted_pairs(theirs, st.stats.bytes);
              plan_repairs(self, mine_sorted, theirs_sorted);
              pump_repairs(self);
            },
            on_error);
      },
      on_error);
}

/// One level of the descent: both sides' hashes of `ids`; recurse into the
/// children of the differing ones.
void descend(exchange_ptr self, uint32_t level, std::vector<uint32_t> ids) {
  auto& st = self->state;
  auto p = st.cfg.partition;
  auto on_error = [self](caf::error& err) { fail(self, std::move(err)); };
  self->request(st.cfg.local, st.cfg.timeout, vnode_tree_v1{p, level, ids})
    .then(
      [self, p, level, ids, on_error](vnode_tree_reply_v1& mine) {
        auto& st = self->state;
        self
          ->request(st.cfg.remote, st.cfg.timeout, vnode_tree_v1{p, level, ids})
          .then(
            [self, level, ids, mine](vnode_tree_reply_v1& theirs) {
              auto& st = self->state;
              if (mine.segments != theirs.segments
                  || mine.fanout != theirs.fanout
                  || !detail::valid_merkle_shape(mine.segments, mine.fanout)
                  || mine.hashes.size() != ids.size()
                  || theirs.hashes.size() != ids.size()) {
                fail(self, make_error(dkv_errc::invalid_argument,
                                      "the replicas' trees differ in shape"));
                return;
              }
              if (!st.shape)
                st.shape.emplace(mine.segments, mine.fanout);
              st.stats.hashes_compared += ids.size();
              st.stats.bytes += 8 * ids.size();
              std::vector<uint32_t> differing;
              for (size_t i = 0; i < ids.size(); ++i)
                if (mine.hashes[i] != theirs.hashes[i])
                  differing.push_back(ids[i]);
              if (differing.empty()) {
                next_chunk(self); // nothing (more) to repair
                return;
              }
              if (level == st.shape->depth()) {
                st.segments = std::move(differing);
                st.stats.segments_differing = st.segments.size();
                next_chunk(self);
                return;
              }
              descend(self, level + 1, st.shape->children(level, differing));
            },
            on_error);
      },
      on_error);
}

caf::behavior aae_exchange(exchange_ptr self, exchange_config cfg) {
  auto& st = self->state;
  st.stats.partition = cfg.partition;
  st.stats.peer = cfg.peer;
  st.finish = finish_once<exchange_stats>{std::move(cfg.finish),
                                          "anti-entropy exchange"};
  st.cfg = std::move(cfg);
  descend(self, 0, {0});
  // Everything runs in response handlers; nothing else is accepted.
  return {[](int) {}};
}

} // namespace

caf::actor spawn_aae_exchange(caf::actor_system& sys, exchange_config cfg) {
  return sys.spawn(aae_exchange, std::move(cfg));
}

} // namespace dkv
