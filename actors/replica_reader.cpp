#include "actors/replica_reader.hpp"

#include "caf/all.hpp"

#include "actors/storage_errors.hpp"

namespace dkv {

namespace {

struct reader_state {
  static inline const char* name = "dkv.replica_reader";
  replica_reader_config cfg;
};

/// Reads each of `reads` into its place in `out`; the failures, one per
/// read and none where it succeeded, or none at all when every read did.
template <class T, class Read>
std::vector<caf::error> read_each(const std::vector<vnode_get_v1>& reads,
                                  std::vector<T>& out, Read read) {
  std::vector<caf::error> failures;
  out.resize(reads.size());
  for (size_t i = 0; i < reads.size(); ++i) {
    auto res = read(reads[i], out[i]);
    if (res.ok())
      continue;
    failures.resize(reads.size());
    failures[i] = to_error(res);
  }
  return failures;
}

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
      reply.failures = read_each(
        req.reads, reply.stored,
        [&](const vnode_get_v1& read, object& out) {
          return self->state.cfg.store->get(read.partition, read.key, out);
        });
      return reply;
    },
    [self](vnode_get_batch_v2& req) {
      vnode_records_v1 reply;
      reply.failures = read_each(
        req.reads, reply.records,
        [&](const vnode_get_v1& read, std::string& out) {
          return self->state.cfg.store->get_record(read.partition, read.key,
                                                   out);
        });
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
