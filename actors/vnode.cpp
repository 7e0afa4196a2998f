#include "actors/vnode.hpp"

#include <chrono>

#include "caf/all.hpp"

#include "actors/storage_errors.hpp"

namespace dkv {

uint64_t system_clock_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
    duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count());
}

namespace {

caf::error wrong_partition(uint32_t expected, uint32_t got) {
  return make_error(dkv_errc::wrong_node,
                    "vnode of partition " + std::to_string(expected)
                      + " got a request for partition "
                      + std::to_string(got));
}

} // namespace

vnode_actor::behavior_type
vnode(vnode_actor::stateful_pointer<vnode_state> self, vnode_config cfg) {
  if (!cfg.wall_clock_ms)
    cfg.wall_clock_ms = system_clock_ms;
  self->state.cfg = std::move(cfg);
  auto& st = self->state;
  // On failure the actor ends at once with the reason; the behavior below
  // never runs.
  if (auto opened = st.cfg.store->engine().open_partition(st.cfg.partition);
      !opened.ok())
    self->quit(to_error(opened));
  using result = caf::result<vnode_object_v1>;
  return {
    [self](vnode_get_v1& req) -> result {
      auto& st = self->state;
      if (req.partition != st.cfg.partition)
        return wrong_partition(st.cfg.partition, req.partition);
      ++st.gets;
      vnode_object_v1 reply;
      if (auto res = st.cfg.store->get(req.partition, req.key, reply.stored);
          !res.ok())
        return to_error(res);
      return reply;
    },
    [self](vnode_merge_v1& req) -> result {
      auto& st = self->state;
      if (req.partition != st.cfg.partition)
        return wrong_partition(st.cfg.partition, req.partition);
      ++st.merges;
      vnode_object_v1 reply;
      storage::write_options opts;
      opts.force_sync = req.sync;
      if (auto res = st.cfg.store->merge(req.partition, req.incoming,
                                         reply.stored, opts);
          !res.ok())
        return to_error(res);
      return reply;
    },
    [self](vnode_coordinate_v1& req) -> result {
      auto& st = self->state;
      if (req.partition != st.cfg.partition)
        return wrong_partition(st.cfg.partition, req.partition);
      ++st.coordinated;
      write_request wr;
      wr.context = std::move(req.context);
      if (!req.tombstone)
        wr.value = std::move(req.value);
      wr.coordinator = st.cfg.self;
      wr.now_ms = st.cfg.wall_clock_ms();
      wr.max_clock_entries = st.cfg.max_clock_entries;
      storage::write_options opts;
      opts.force_sync = req.sync;
      vnode_object_v1 reply;
      if (auto res = st.cfg.store->coordinate(req.partition, req.key, wr,
                                              reply.stored, opts);
          !res.ok())
        return to_error(res);
      return reply;
    },
  };
}

} // namespace dkv
