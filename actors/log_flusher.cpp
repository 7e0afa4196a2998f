#include "actors/log_flusher.hpp"

#include <vector>

#include "caf/all.hpp"

#include "actors/logging.hpp"
#include "actors/storage_errors.hpp"

namespace dkv {

namespace {

/// Sent to itself behind the requests already queued: they all join the
/// flush it starts.
using flush_now_atom = caf::atom_constant<caf::atom("flush_now")>;

using flusher_impl
  = log_flusher_actor::extend<caf::reacts_to<flush_now_atom>>;

struct flusher_state {
  static inline const char* name = "dkv.log_flusher";
  log_flusher_config cfg;
  std::vector<caf::typed_response_promise<flush_log_atom>> waiting;
  bool flush_queued = false;
};

using flusher_ptr = flusher_impl::stateful_pointer<flusher_state>;

flusher_impl::behavior_type log_flusher(flusher_ptr self,
                                        log_flusher_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
    [self](flush_log_atom) -> caf::result<flush_log_atom> {
      auto& st = self->state;
      if (!st.flush_queued) {
        st.flush_queued = true;
        self->send(self, flush_now_atom::value);
      }
      st.waiting.push_back(self->make_response_promise<flush_log_atom>());
      return st.waiting.back();
    },
    [self](flush_now_atom) {
      auto& st = self->state;
      st.flush_queued = false;
      auto batch = std::move(st.waiting);
      st.waiting.clear();
      auto res = st.cfg.store->engine().flush_log();
      if (auto& stats = st.cfg.stats) {
        ++stats->flushes;
        stats->writes += batch.size();
        if (!res.ok())
          ++stats->failures;
      }
      if (!res.ok())
        logger("log_flusher")
          ->error("log.flush_failed waiting={} reason=\"{}\"", batch.size(),
                  res.message);
      for (auto& rp : batch)
        if (res.ok())
          rp.deliver(flush_log_atom::value);
        else
          rp.deliver(to_error(res));
    },
  };
}

} // namespace

caf::error flush_failure(caf::error err) {
  if (dkv_code(err) != dkv_errc::none)
    return err;
  return make_error(dkv_errc::storage_failure,
                    "the log flusher ended before the write was synced ("
                      + to_string(err)
                      + "): it is stored but not known to be durable");
}

log_flusher_actor spawn_log_flusher(caf::actor_system& sys,
                                    log_flusher_config cfg) {
  auto own_thread = cfg.own_thread;
  auto handle = own_thread
                  ? sys.spawn<caf::detached>(log_flusher, std::move(cfg))
                  : sys.spawn(log_flusher, std::move(cfg));
  return caf::actor_cast<log_flusher_actor>(handle);
}

} // namespace dkv
