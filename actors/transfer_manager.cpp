#include "actors/transfer_manager.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "caf/all.hpp"

#include "actors/aae_exchange.hpp"
#include "actors/detail/preference_list.hpp"
#include "actors/detail/ring_transition.hpp"
#include "actors/logging.hpp"
#include "actors/partition_transfer.hpp"
#include "messages/errors.hpp"
#include "messages/membership_protocol.hpp"

namespace dkv {

namespace {

using tick_atom = caf::atom_constant<caf::atom("xfer_tick")>;
using progress_atom = caf::atom_constant<caf::atom("xfer_prog")>;
using finished_atom = caf::atom_constant<caf::atom("xfer_done")>;
using release_atom = caf::atom_constant<caf::atom("xfer_rel")>;
using retire_step_atom = caf::atom_constant<caf::atom("retire_stp")>;
// The actor clock, not the steady clock: the simulation's time is virtual.
using time_point = caf::actor_clock::time_point;

struct active_transfer {
  caf::actor worker;
  uint64_t ring_version = 0;
  transfer_status status;
  time_point started;
};

/// A partition being retired: waiting for one exchange per primary.
struct retirement {
  uint32_t partition = 0;
  size_t pending = 0;
  std::string error;
  time_point started;
};

struct manager_state {
  static inline const char* name = "dkv.transfer_manager";
  transfer_manager_config cfg;
  std::shared_ptr<spdlog::logger> log;
  cluster_view view;
  std::map<uint32_t, active_transfer> active;
  /// Transfers of the current transition this node finished (it re-sends
  /// the flip while the ring does not show it).
  std::set<std::pair<uint64_t, uint32_t>> finished;
  /// No retry of a failed transfer before this time.
  std::map<uint32_t, time_point> retry_after;
  std::map<uint32_t, std::string> last_error;
  uint64_t completed = 0;
  uint64_t keys_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t failures = 0;
  std::optional<retirement> retiring;
  uint64_t retired = 0;
  /// Token bucket of the byte-rate limit: when the last granted byte leaves.
  time_point next_free;
  std::map<uint64_t, caf::response_promise> delayed_grants;
  uint64_t next_grant = 0;

  const node_settings& settings() const { return cfg.settings; }
  const std::string& me() const { return cfg.settings.name; }
};

using manager_ptr = caf::stateful_actor<manager_state>*;

bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

// -- source side --------------------------------------------------------------

void start_transfer(manager_ptr self, uint32_t p) {
  auto& st = self->state;
  auto& ring = st.view.ring;
  partition_transfer_config cfg;
  for (auto& name : detail::gainers(ring, p, st.settings().n)) {
    auto i = st.view.usable.find(name);
    if (i == st.view.usable.end())
      return; // wait until every gainer is reachable
    cfg.targets.push_back(transfer_target{name, i->second});
  }
  if (auto res = st.cfg.store->engine().open_partition(p); !res.ok()) {
    st.last_error[p] = res.message;
    return;
  }
  cfg.partition = p;
  cfg.ring_version = ring.version;
  cfg.source = st.me();
  cfg.store = st.cfg.store;
  cfg.local = caf::actor_cast<vnode_actor>(st.cfg.router);
  cfg.manager = caf::actor_cast<caf::actor>(self);
  cfg.timeout = st.settings().request_timeout * 5;
  auto manager = caf::actor_cast<caf::actor>(self);
  auto version = ring.version;
  cfg.progress = [manager, p](const std::string& target,
                              const std::string& state, uint64_t keys,
                              uint64_t bytes) {
    caf::anon_send(manager, progress_atom::value, p, target, state, keys,
                   bytes);
  };
  cfg.finish = [manager, p, version](caf::expected<transfer_totals> result) {
    if (result)
      caf::anon_send(manager, finished_atom::value, p, version, result->keys,
                     result->bytes, std::string{});
    else
      caf::anon_send(manager, finished_atom::value, p, version, uint64_t{0},
                     uint64_t{0}, describe(result.error()));
  };
  active_transfer entry;
  entry.ring_version = version;
  entry.status.partition = p;
  entry.status.source = st.me();
  entry.status.target = cfg.targets.empty() ? "" : cfg.targets.front().name;
  entry.status.state = "offering";
  entry.started = self->clock().now();
  st.log->info("transfer.started partition={} version={} targets={}", p,
               version, cfg.targets.size());
  entry.worker = spawn_partition_transfer(self->system(), std::move(cfg));
  st.active.emplace(p, std::move(entry));
}

void schedule(manager_ptr self) {
  auto& st = self->state;
  auto& ring = st.view.ring;
  // Transfers of a transition that is over (or replaced) are pointless.
  for (auto i = st.active.begin(); i != st.active.end();) {
    if (!in_transition(ring) || i->second.ring_version != ring.version) {
      caf::anon_send_exit(i->second.worker, caf::exit_reason::user_shutdown);
      i = st.active.erase(i);
    } else {
      ++i;
    }
  }
  if (!in_transition(ring))
    return;
  auto now = self->clock().now();
  for (uint32_t p = 0; p < ring.partitions; ++p) {
    if (ring.moved[p] != 0 || ring.sources[p] != st.me())
      continue;
    if (st.finished.count({ring.version, p}) > 0) {
      // Done here, not flipped there yet: the flip may have been lost.
      self->send(st.cfg.gossiper, partition_moved_atom::value, p,
                 ring.version);
      continue;
    }
    if (st.active.size() >= st.settings().transfer_concurrency)
      continue;
    if (st.active.count(p) > 0)
      continue;
    if (auto i = st.retry_after.find(p); i != st.retry_after.end()
                                         && now < i->second)
      continue;
    start_transfer(self, p);
  }
}

void on_finished(manager_ptr self, uint32_t p, uint64_t version,
                 uint64_t keys, uint64_t bytes, const std::string& error) {
  auto& st = self->state;
  auto i = st.active.find(p);
  if (i == st.active.end() || i->second.ring_version != version)
    return;
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                   self->clock().now() - i->second.started)
                   .count();
  st.active.erase(i);
  if (!error.empty()) {
    ++st.failures;
    st.last_error[p] = error;
    st.retry_after[p] = self->clock().now() + st.settings().connect_retry * 2;
    st.log->warn("transfer.failed partition={} version={} error=\"{}\"", p,
                 version, error);
  } else {
    ++st.completed;
    st.keys_sent += keys;
    st.bytes_sent += bytes;
    st.last_error.erase(p);
    st.finished.emplace(version, p);
    st.log->info("transfer.completed partition={} version={} keys={} "
                 "bytes={} ms={}",
                 p, version, keys, bytes, elapsed);
    self->send(st.cfg.gossiper, partition_moved_atom::value, p, version);
  }
  schedule(self);
}

// -- the rate limit -----------------------------------------------------------

caf::result<grant_atom> grant(manager_ptr self, uint64_t bytes) {
  auto& st = self->state;
  auto rate = st.settings().transfer_rate;
  if (rate == 0)
    return grant_atom::value;
  auto now = self->clock().now();
  auto start = std::max(now, st.next_free);
  st.next_free = start
                 + std::chrono::microseconds(
                   static_cast<int64_t>(bytes * 1000000 / rate));
  if (start <= now)
    return grant_atom::value;
  auto id = ++st.next_grant;
  st.delayed_grants.emplace(id, self->make_response_promise());
  self->delayed_send(self, start - now, release_atom::value, id);
  return caf::delegated<grant_atom>{};
}

// -- loser side ---------------------------------------------------------------

/// Partitions held here that this node does not replicate, now or after
/// the transition, and that no pending hint or transfer still needs.
std::vector<uint32_t> retirement_candidates(manager_ptr self) {
  auto& st = self->state;
  auto& ring = st.view.ring;
  auto n = st.settings().n;
  std::vector<uint32_t> result;
  for (auto p : st.cfg.store->engine().partitions()) {
    if (p >= ring.partitions)
      continue;
    bool streaming = in_transition(ring) && ring.moved[p] == 0
                     && contains(detail::current_preference(ring, p, n),
                                 st.me());
    if (streaming || contains(detail::preference_list(ring, p, n), st.me())
        || contains(detail::next_preference(ring, p, n), st.me()))
      continue;
    uint64_t hints = 0;
    if (!st.cfg.hints->count_partition(p, hints).ok() || hints > 0)
      continue;
    result.push_back(p);
  }
  return result;
}

void retire(manager_ptr self, uint32_t partition,
            std::vector<std::pair<std::string, node_actor>> peers) {
  auto& st = self->state;
  retirement r;
  r.partition = partition;
  r.pending = peers.size();
  r.started = self->clock().now();
  st.retiring = r;
  self->request(st.cfg.router, st.settings().request_timeout,
                retire_atom::value, partition)
    .then(
      [self, partition, peers](vnode_actor& local) {
        auto& st = self->state;
        for (auto& [name, handle] : peers) {
          exchange_config cfg;
          cfg.partition = partition;
          cfg.local = local;
          cfg.remote = caf::actor_cast<vnode_actor>(handle);
          cfg.peer = name;
          cfg.timeout = st.settings().request_timeout * 5;
          auto manager = caf::actor_cast<caf::actor>(self);
          cfg.finish = [manager,
                        partition](caf::expected<exchange_stats> result) {
            caf::anon_send(manager, retire_step_atom::value, partition,
                           result ? std::string{} : describe(result.error()));
          };
          spawn_aae_exchange(self->system(), std::move(cfg));
        }
      },
      [self](caf::error&) { self->state.retiring.reset(); });
}

/// Retires the first candidate whose primaries are all reachable.
void start_retirement(manager_ptr self) {
  auto& st = self->state;
  if (st.retiring || st.view.ring.version == 0)
    return;
  for (auto p : retirement_candidates(self)) {
    auto primaries = detail::preference_list(st.view.ring, p, st.settings().n);
    std::vector<std::pair<std::string, node_actor>> peers;
    for (auto& name : primaries) {
      auto i = st.view.usable.find(name);
      if (i == st.view.usable.end())
        break; // everything must reach every primary first
      peers.emplace_back(name, i->second);
    }
    if (peers.empty() || peers.size() != primaries.size())
      continue;
    retire(self, p, std::move(peers));
    return;
  }
}

void on_retire_step(manager_ptr self, uint32_t p, const std::string& error) {
  auto& st = self->state;
  if (!st.retiring || st.retiring->partition != p)
    return;
  auto& r = *st.retiring;
  if (!error.empty())
    r.error = error;
  if (--r.pending > 0)
    return;
  if (!r.error.empty()) {
    st.log->warn("partition.retire_failed partition={} error=\"{}\"", p,
                 r.error);
    st.retiring.reset();
    return;
  }
  self->request(st.cfg.router, st.settings().request_timeout * 5,
                drop_atom::value, p)
    .then(
      [self, p](bool) {
        auto& st = self->state;
        ++st.retired;
        st.log->info("partition.dropped partition={}", p);
        st.retiring.reset();
        start_retirement(self);
      },
      [self, p](caf::error& err) {
        auto& st = self->state;
        st.log->warn("partition.drop_failed partition={} error=\"{}\"", p,
                     self->system().render(err));
        st.retiring.reset();
      });
}

// -- introspection ------------------------------------------------------------

transfers_reply_v1 describe(manager_ptr self) {
  auto& st = self->state;
  transfers_reply_v1 reply;
  reply.ring_version = st.view.ring.version;
  reply.partitions_moving = detail::partitions_moving(st.view.ring);
  reply.completed = st.completed;
  auto now = self->clock().now();
  for (auto& [p, entry] : st.active) {
    auto status = entry.status;
    status.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          now - entry.started)
                          .count();
    if (status.elapsed_ms > 0)
      status.bytes_per_second = static_cast<double>(status.bytes) * 1000.0
                                / static_cast<double>(status.elapsed_ms);
    if (auto i = st.last_error.find(p); i != st.last_error.end())
      status.last_error = i->second;
    reply.transfers.push_back(std::move(status));
  }
  // Waiting ones: this node's to stream, not started (or failed, retrying).
  auto& ring = st.view.ring;
  if (in_transition(ring))
    for (uint32_t p = 0; p < ring.partitions; ++p)
      if (ring.moved[p] == 0 && ring.sources[p] == st.me()
          && st.active.count(p) == 0) {
        transfer_status status;
        status.partition = p;
        status.source = st.me();
        auto gain = detail::gainers(ring, p, st.settings().n);
        status.target = gain.empty() ? "" : gain.front();
        status.state = st.finished.count({ring.version, p}) > 0 ? "flipping"
                                                                : "queued";
        if (auto i = st.last_error.find(p); i != st.last_error.end())
          status.last_error = i->second;
        reply.transfers.push_back(std::move(status));
      }
  if (st.retiring) {
    transfer_status status;
    status.partition = st.retiring->partition;
    status.source = st.me();
    status.state = "retiring";
    status.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          now - st.retiring->started)
                          .count();
    reply.transfers.push_back(std::move(status));
  }
  return reply;
}

caf::behavior transfer_manager(manager_ptr self, transfer_manager_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.log = logger("transfer");
  self->send(self, tick_atom::value);
  return {
    [self](view_atom, cluster_view& view) {
      self->state.view = std::move(view);
      schedule(self);
    },
    [self](tick_atom) {
      schedule(self);
      start_retirement(self);
      self->delayed_send(self, self->state.settings().connect_retry,
                         tick_atom::value);
    },
    [self](progress_atom, uint32_t p, const std::string& target,
           const std::string& state, uint64_t keys, uint64_t bytes) {
      auto i = self->state.active.find(p);
      if (i == self->state.active.end())
        return;
      auto& status = i->second.status;
      status.target = target;
      status.state = state;
      status.keys = keys;
      status.bytes = bytes;
    },
    [self](finished_atom, uint32_t p, uint64_t version, uint64_t keys,
           uint64_t bytes, const std::string& error) {
      on_finished(self, p, version, keys, bytes, error);
    },
    [self](grant_atom, uint64_t bytes) { return grant(self, bytes); },
    [self](release_atom, uint64_t id) {
      auto& grants = self->state.delayed_grants;
      if (auto i = grants.find(id); i != grants.end()) {
        i->second.deliver(grant_atom::value);
        grants.erase(i);
      }
    },
    [self](retire_step_atom, uint32_t p, const std::string& error) {
      on_retire_step(self, p, error);
    },
    [self](transfers_request_v1&) { return describe(self); },
    [self](caf::get_atom) {
      auto& st = self->state;
      std::vector<stat_entry> stats;
      stats.push_back({"transfers.completed", std::to_string(st.completed)});
      stats.push_back({"transfers.failed", std::to_string(st.failures)});
      stats.push_back({"transfers.keys_sent", std::to_string(st.keys_sent)});
      stats.push_back(
        {"transfers.bytes_sent", std::to_string(st.bytes_sent)});
      stats.push_back({"transfers.active", std::to_string(st.active.size())});
      stats.push_back({"partitions.retired", std::to_string(st.retired)});
      return stats;
    },
  };
}

} // namespace

caf::actor spawn_transfer_manager(caf::actor_system& sys,
                                  transfer_manager_config cfg) {
  return sys.spawn(transfer_manager, std::move(cfg));
}

} // namespace dkv
