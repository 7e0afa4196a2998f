#include "actors/network_reader.hpp"

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "storage/record_codec.hpp"

namespace dkv {

namespace {

using reader_broker = caf::io::typed_broker<
  caf::replies_to<vnode_get_v1>::with<vnode_object_v1>,
  caf::replies_to<vnode_get_batch_v1>::with<vnode_objects_v1>,
  caf::replies_to<vnode_get_batch_v2>::with<vnode_records_v1>>;

/// The record of `read` if the gate lets it through and the cache holds
/// it.
std::optional<std::string> cached(const network_reader_config& cfg,
                                  const vnode_get_v1& read,
                                  std::chrono::steady_clock::time_point now) {
  if (!cfg.gate->passes(read.partition, now))
    return std::nullopt;
  return cfg.cache->find_held(read.partition, read.key);
}

/// Answers the reads of `batch` the cache holds, and asks the router for
/// the others, sending the whole answer once it has theirs.
caf::result<vnode_records_v1> read_batch(reader_broker* self,
                                         const network_reader_config& cfg,
                                         vnode_get_batch_v2& batch) {
  auto& stats = *cfg.stats;
  stats.batches.fetch_add(1, std::memory_order_relaxed);
  stats.batched.fetch_add(batch.reads.size(), std::memory_order_relaxed);
  auto now = self->clock().now();
  vnode_records_v1 reply;
  reply.records.resize(batch.reads.size());
  vnode_get_batch_v2 missed;
  std::vector<size_t> missed_at;
  for (size_t i = 0; i < batch.reads.size(); ++i) {
    if (auto record = cached(cfg, batch.reads[i], now)) {
      reply.records[i] = std::move(*record);
    } else {
      missed.reads.push_back(std::move(batch.reads[i]));
      missed_at.push_back(i);
    }
  }
  stats.answered.fetch_add(batch.reads.size() - missed_at.size(),
                           std::memory_order_relaxed);
  stats.passed_on.fetch_add(missed_at.size(), std::memory_order_relaxed);
  if (missed_at.empty())
    return reply;
  auto rp = self->make_response_promise<vnode_records_v1>();
  self->request(cfg.router, caf::infinite, std::move(missed))
    .then(
      [rp, reply = std::move(reply),
       missed_at = std::move(missed_at)](vnode_records_v1& part) mutable {
        if (part.records.size() != missed_at.size()
            || (!part.failures.empty()
                && part.failures.size() != missed_at.size())) {
          rp.deliver(caf::make_error(caf::sec::invalid_argument,
                                     "replica reads answered in part"));
          return;
        }
        if (!part.failures.empty())
          reply.failures.resize(reply.records.size());
        for (size_t j = 0; j < missed_at.size(); ++j) {
          reply.records[missed_at[j]] = std::move(part.records[j]);
          if (!part.failures.empty())
            reply.failures[missed_at[j]] = std::move(part.failures[j]);
        }
        rp.deliver(std::move(reply));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

reader_broker::behavior_type network_reader(reader_broker* self,
                                            network_reader_config cfg) {
  return {
    [self, cfg](vnode_get_v1& req) -> caf::result<vnode_object_v1> {
      if (auto record = cached(cfg, req, self->clock().now()))
        if (auto decoded = storage::decode_record(req.key, *record)) {
          cfg.stats->answered.fetch_add(1, std::memory_order_relaxed);
          return vnode_object_v1{std::move(*decoded)};
        }
      cfg.stats->passed_on.fetch_add(1, std::memory_order_relaxed);
      return self->delegate(cfg.router, std::move(req));
    },
    [self, cfg](vnode_get_batch_v1& req) -> caf::result<vnode_objects_v1> {
      cfg.stats->passed_on.fetch_add(req.reads.size(),
                                     std::memory_order_relaxed);
      return self->delegate(cfg.router, std::move(req));
    },
    [self, cfg](vnode_get_batch_v2& req) {
      return read_batch(self, cfg, req);
    },
  };
}

} // namespace

replica_reader_actor spawn_network_reader(caf::actor_system& sys,
                                          network_reader_config cfg) {
  return caf::actor_cast<replica_reader_actor>(
    sys.middleman().spawn_broker(network_reader, std::move(cfg)));
}

} // namespace dkv
