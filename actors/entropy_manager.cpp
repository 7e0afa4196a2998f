#include "actors/entropy_manager.hpp"

#include <map>
#include <set>

#include "caf/all.hpp"

#include "actors/aae_exchange.hpp"
#include "actors/detail/preference_list.hpp"
#include "actors/logging.hpp"
#include "actors/tombstone_reaper.hpp"
#include "messages/errors.hpp"
#include "messages/membership_protocol.hpp"

namespace dkv {

namespace {

using aae_tick_atom = caf::atom_constant<caf::atom("aae_tick")>;
using aae_done_atom = caf::atom_constant<caf::atom("aae_done")>;
using reap_done_atom = caf::atom_constant<caf::atom("reap_done")>;
using clock_type = std::chrono::steady_clock;

struct partition_progress {
  std::map<std::string, bool> in_sync; // by peer, from its last exchange
  bool exchanged = false;
  clock_type::time_point last;
  uint64_t exchanges = 0;
  uint64_t keys_repaired = 0;
  std::string last_error;
  size_t next_peer = 0;
};

struct entropy_state {
  static inline const char* name = "dkv.entropy_manager";
  entropy_config cfg;
  std::shared_ptr<spdlog::logger> log;
  cluster_view view;
  uint32_t cursor = 0;
  size_t running = 0;
  std::map<uint32_t, partition_progress> progress;
  uint64_t exchanges = 0;
  uint64_t keys_repaired = 0;
  uint64_t bytes = 0;
  uint64_t failures = 0;
  uint32_t reap_cursor = 0;
  bool reaping = false;
  /// No reaping before then: a node that just started (or came back with
  /// an empty disk) may not know every node of the directory yet.
  clock_type::time_point reap_not_before{};
  uint64_t reap_rounds = 0;
  uint64_t tombstones_reaped = 0;

  const node_settings& settings() const { return cfg.settings; }
};

using entropy_ptr = caf::stateful_actor<entropy_state>*;

/// The other primaries of `partition` if this node is one of them.
std::vector<std::string> peer_replicas(entropy_ptr self, uint32_t partition) {
  auto& st = self->state;
  auto list
    = detail::preference_list(st.view.ring, partition, st.settings().n);
  std::vector<std::string> others;
  bool mine = false;
  for (auto& name : list) {
    if (name == st.settings().name)
      mine = true;
    else
      others.push_back(name);
  }
  return mine ? others : std::vector<std::string>{};
}

/// Starts one exchange: the next partition (round robin) this node
/// replicates that has a usable peer replica.
void start_next(entropy_ptr self) {
  auto& st = self->state;
  auto q = st.settings().partitions;
  if (st.view.ring.version == 0)
    return;
  for (uint32_t tried = 0; tried < q; ++tried) {
    auto partition = st.cursor;
    st.cursor = (st.cursor + 1) % q;
    auto peers = peer_replicas(self, partition);
    if (peers.empty())
      continue;
    auto& prog = st.progress[partition];
    for (size_t k = 0; k < peers.size(); ++k) {
      auto& peer = peers[(prog.next_peer + k) % peers.size()];
      auto i = st.view.usable.find(peer);
      if (i == st.view.usable.end())
        continue;
      prog.next_peer = (prog.next_peer + k + 1) % peers.size();
      exchange_config cfg;
      cfg.partition = partition;
      cfg.local = caf::actor_cast<vnode_actor>(st.cfg.router);
      cfg.remote = caf::actor_cast<vnode_actor>(i->second);
      cfg.peer = peer;
      cfg.timeout = st.settings().request_timeout * 5;
      auto manager = caf::actor_cast<caf::actor>(self);
      cfg.finish
        = [manager, partition, peer](caf::expected<exchange_stats> result) {
            if (result)
              caf::anon_send(manager, aae_done_atom::value, partition, peer,
                             std::string{}, result->keys_repaired,
                             result->segments_differing, result->bytes);
            else
              caf::anon_send(manager, aae_done_atom::value, partition, peer,
                             describe(result.error()), uint64_t{0},
                             uint64_t{0}, uint64_t{0});
          };
      ++st.running;
      spawn_aae_exchange(self->system(), std::move(cfg));
      return;
    }
  }
}

/// Starts one reap round for the next partition this node is the first
/// primary of (one reaper per partition), if every known node is usable.
void start_reap(entropy_ptr self) {
  auto& st = self->state;
  auto q = st.settings().partitions;
  // While partitions move, a copy may be in flight between owners: the
  // "every replica holds the tombstone" check would not see it.
  if (st.reaping || st.view.ring.version == 0 || in_transition(st.view.ring)
      || self->clock().now() < st.reap_not_before)
    return;
  reaper_config cfg;
  cfg.self_name = st.settings().name;
  cfg.nodes.emplace(st.settings().name,
                    caf::actor_cast<node_actor>(st.cfg.router));
  // Every node of the directory and of the ring must answer: any of them
  // may hold a copy or a hint.
  std::set<std::string> everyone(st.view.known.begin(), st.view.known.end());
  everyone.insert(st.view.ring.members.begin(), st.view.ring.members.end());
  everyone.erase(st.settings().name);
  for (auto& name : everyone) {
    auto i = st.view.usable.find(name);
    if (i == st.view.usable.end())
      return; // no reaping anywhere now
    cfg.nodes.emplace(name, i->second);
  }
  // A node that left but still runs may hold copies it is retiring, and
  // older versions may still reach it: it is asked and told as well.
  for (auto& [name, handle] : st.view.usable)
    cfg.nodes.emplace(name, handle);
  for (uint32_t tried = 0; tried < q; ++tried) {
    auto partition = st.reap_cursor;
    st.reap_cursor = (st.reap_cursor + 1) % q;
    auto list = detail::preference_list(st.view.ring, partition,
                                        st.settings().n);
    if (list.empty() || list.front() != st.settings().name)
      continue;
    cfg.partition = partition;
    cfg.primaries = std::set<std::string>(list.begin(), list.end());
    cfg.timeout = st.settings().request_timeout * 5;
    auto manager = caf::actor_cast<caf::actor>(self);
    cfg.finish = [manager, partition](caf::expected<reap_stats> result) {
      caf::anon_send(manager, reap_done_atom::value, partition,
                     result ? std::string{} : describe(result.error()),
                     result ? result->reaped : uint64_t{0});
    };
    st.reaping = true;
    spawn_tombstone_reaper(self->system(), std::move(cfg));
    return;
  }
}

void on_done(entropy_ptr self, uint32_t partition, const std::string& peer,
             const std::string& error, uint64_t repaired, uint64_t differing,
             uint64_t bytes) {
  auto& st = self->state;
  --st.running;
  auto& prog = st.progress[partition];
  prog.exchanged = true;
  prog.last = self->clock().now();
  ++prog.exchanges;
  ++st.exchanges;
  prog.last_error = error;
  st.bytes += bytes;
  if (!error.empty()) {
    ++st.failures;
    prog.in_sync[peer] = false;
    st.log->warn("aae.failed partition={} peer={} error=\"{}\"", partition,
                 peer, error);
    return;
  }
  prog.in_sync[peer] = differing == 0;
  prog.keys_repaired += repaired;
  st.keys_repaired += repaired;
  if (repaired > 0)
    st.log->info("aae.repaired partition={} peer={} segments={} keys={} "
                 "bytes={}",
                 partition, peer, differing, repaired, bytes);
}

aae_reply_v1 describe(entropy_ptr self) {
  auto& st = self->state;
  aae_reply_v1 reply;
  reply.enabled = st.settings().anti_entropy;
  reply.exchanges = st.exchanges;
  reply.keys_repaired = st.keys_repaired;
  reply.bytes = st.bytes;
  auto now = self->clock().now();
  for (uint32_t p = 0; p < st.settings().partitions; ++p) {
    if (st.view.ring.version == 0 || peer_replicas(self, p).empty())
      continue;
    aae_partition_v1 entry;
    entry.partition = p;
    if (auto i = st.progress.find(p); i != st.progress.end()) {
      auto& prog = i->second;
      for (auto& [peer, same] : prog.in_sync)
        if (same)
          entry.in_sync.push_back(peer);
      if (prog.exchanged)
        entry.last_exchange_ms
          = std::chrono::duration_cast<std::chrono::milliseconds>(now
                                                                  - prog.last)
              .count();
      entry.exchanges = prog.exchanges;
      entry.keys_repaired = prog.keys_repaired;
      entry.last_error = prog.last_error;
    }
    reply.partitions.push_back(std::move(entry));
  }
  return reply;
}

caf::behavior entropy_manager(entropy_ptr self, entropy_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.log = logger("aae");
  self->state.reap_not_before = self->clock().now()
                                + self->state.settings().gossip_interval * 10;
  if (self->state.settings().anti_entropy)
    self->send(self, aae_tick_atom::value);
  return {
    [self](view_atom, cluster_view& view) {
      self->state.view = std::move(view);
    },
    [self](aae_tick_atom) {
      auto& st = self->state;
      if (st.running < st.settings().aae_concurrency)
        start_next(self);
      if (st.settings().reap_tombstones)
        start_reap(self);
      self->delayed_send(self, st.settings().aae_interval,
                         aae_tick_atom::value);
    },
    [self](aae_done_atom, uint32_t partition, const std::string& peer,
           const std::string& error, uint64_t repaired, uint64_t differing,
           uint64_t bytes) {
      on_done(self, partition, peer, error, repaired, differing, bytes);
    },
    [self](reap_done_atom, uint32_t partition, const std::string& error,
           uint64_t reaped) {
      auto& st = self->state;
      st.reaping = false;
      ++st.reap_rounds;
      st.tombstones_reaped += reaped;
      if (!error.empty())
        st.log->warn("reap.failed partition={} error=\"{}\"", partition, error);
      else if (reaped > 0)
        st.log->info("reap.done partition={} copies={}", partition, reaped);
    },
    [self](aae_request_v1&) { return describe(self); },
    [self](caf::get_atom) {
      auto& st = self->state;
      std::vector<stat_entry> stats{
        {"aae.enabled", st.settings().anti_entropy ? "true" : "false"},
        {"aae.exchanges", std::to_string(st.exchanges)},
        {"aae.failures", std::to_string(st.failures)},
        {"aae.keys_repaired", std::to_string(st.keys_repaired)},
        {"aae.bytes", std::to_string(st.bytes)},
        {"aae.running", std::to_string(st.running)},
        {"reap.rounds", std::to_string(st.reap_rounds)},
        {"reap.tombstones_reaped", std::to_string(st.tombstones_reaped)}};
      return stats;
    },
  };
}

} // namespace

caf::actor spawn_entropy_manager(caf::actor_system& sys, entropy_config cfg) {
  return sys.spawn(entropy_manager, std::move(cfg));
}

} // namespace dkv
