#include "actors/replica_reader.hpp"

#include "caf/all.hpp"

#include "actors/storage_errors.hpp"

namespace dkv {

namespace {

struct reader_state {
  static inline const char* name = "dkv.replica_reader";
  replica_reader_config cfg;
};

replica_reader_actor::behavior_type
replica_reader(replica_reader_actor::stateful_pointer<reader_state> self,
               replica_reader_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
    [self](vnode_get_v1& req) -> caf::result<vnode_object_v1> {
      vnode_object_v1 reply;
      if (auto res
          = self->state.cfg.store->get(req.partition, req.key, reply.stored);
          !res.ok())
        return to_error(res);
      return reply;
    },
    [self](vnode_get_batch_v1& req) {
      vnode_objects_v1 reply;
      reply.stored.resize(req.reads.size());
      for (size_t i = 0; i < req.reads.size(); ++i) {
        auto& read = req.reads[i];
        auto res
          = self->state.cfg.store->get(read.partition, read.key,
                                       reply.stored[i]);
        if (res.ok())
          continue;
        reply.failures.resize(req.reads.size());
        reply.failures[i] = to_error(res);
      }
      return reply;
    },
    [self](vnode_get_batch_v2& req) {
      vnode_records_v1 reply;
      reply.records.resize(req.reads.size());
      for (size_t i = 0; i < req.reads.size(); ++i) {
        auto& read = req.reads[i];
        auto res = self->state.cfg.store->get_record(read.partition, read.key,
                                                     reply.records[i]);
        if (res.ok())
          continue;
        reply.failures.resize(req.reads.size());
        reply.failures[i] = to_error(res);
      }
      return reply;
    },
  };
}

} // namespace

replica_reader_actor spawn_replica_reader(caf::actor_system& sys,
                                          replica_reader_config cfg) {
  return sys.spawn(replica_reader, std::move(cfg));
}

} // namespace dkv
