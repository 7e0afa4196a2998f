#include "actors/gossiper.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/detail/claim.hpp"
#include "actors/detail/phi_detector.hpp"
#include "actors/detail/ring_transition.hpp"
#include "actors/handoff_queue.hpp"
#include "actors/logging.hpp"
#include "messages/errors.hpp"
#include "messages/membership_protocol.hpp"
#include "transport/transport.hpp"

namespace dkv {

namespace {

using connect_tick_atom = caf::atom_constant<caf::atom("conn_tick")>;
using gossip_tick_atom = caf::atom_constant<caf::atom("gsp_tick")>;
/// Everything reads the actor clock (the steady clock on a real node, virtual
/// time under the simulation), so suspicion runs there as it does live.
using clock_type = std::chrono::steady_clock;

/// Meta key of the persisted gossip_state (CAF binary serialization).
constexpr const char* gossip_meta_key = "gossip.v2";
/// The state persisted before rings carried transitions (same encoding,
/// without the transition fields).
constexpr const char* gossip_v1_meta_key = "gossip.v1";
/// The member list written before gossip existed: lines of "name address".
constexpr const char* legacy_members_key = "members.v1";

/// A connection to another node and this node's direct evidence about it.
struct peer_link {
  std::string name; // empty until a handshake succeeded
  node_actor handle;
  bool connecting = false;
  /// The last connection attempt failed or the connection was lost: this
  /// node's own evidence says down, whatever gossip says.
  bool unreachable = false;
  detail::phi_detector detector;
  bool suspected = false;
  /// The connection the unanswered ping went out on, if any. A ping counts
  /// as in flight only over the current connection: its answer or timeout
  /// may arrive after the handle changed, and must not block the next one.
  node_actor ping_target;
};

/// The persisted form of gossip.v1: a ring without transition fields.
struct ring_state_v1 {
  uint32_t partitions = 0;
  std::vector<std::string> members;
  std::vector<std::string> owners;
  uint64_t version = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ring_state_v1& x) {
  return f(x.partitions, x.members, x.owners, x.version);
}

struct gossip_state_v1 {
  std::string cluster;
  uint32_t partitions = 0;
  ring_state_v1 ring;
  std::vector<member_record> members;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gossip_state_v1& x) {
  return f(x.cluster, x.partitions, x.ring, x.members);
}

/// What gossip says about a node: when its heartbeat last advanced.
struct rumour {
  detail::phi_detector detector;
};

struct gossiper_state {
  static inline const char* name = "dkv.gossiper";
  gossiper_config cfg;
  std::shared_ptr<spdlog::logger> log;
  gossip_state state;
  std::map<std::string, peer_link> peers; // by address
  std::map<std::string, rumour> rumours;  // by name
  /// Seed addresses that answered a gossip exchange (ring formation).
  std::set<std::string> seeds_heard;
  cluster_view last_view;
  bool view_sent = false;
  std::minstd_rand rng{std::random_device{}()};
  /// Membership changes staged on this node, applied by "commit".
  std::vector<staged_change> staged;
  /// Fault injection (isolate_request_v1): cut off from every peer until.
  clock_type::time_point isolated_until{};

  const node_settings& settings() const { return cfg.settings; }
  bool isolated(clock_type::time_point now) const {
    return now < isolated_until;
  }

  member_record& me() {
    auto i = std::find_if(state.members.begin(), state.members.end(),
                          [&](auto& m) { return m.name == settings().name; });
    return *i; // inserted at start and never removed
  }

  /// Direct pings arrive every connect_retry with little jitter.
  detail::phi_detector direct_detector() const {
    return detail::phi_detector{
      100, 100.0, static_cast<double>(settings().connect_retry.count())};
  }

  /// A node's gossiped heartbeat reaches us by a random path: its arrivals
  /// jitter by whole gossip rounds.
  detail::phi_detector rumour_detector() const {
    auto interval = static_cast<double>(settings().gossip_interval.count());
    return detail::phi_detector{100, interval, interval};
  }
};

using gossiper_ptr = caf::stateful_actor<gossiper_state>*;

// -- persistence --------------------------------------------------------------

void persist(gossiper_ptr self) {
  auto& st = self->state;
  std::vector<char> buf;
  caf::binary_serializer sink{self->system(), buf};
  if (auto err = sink(st.state)) {
    st.log->error("gossip.persist_failed error=\"{}\"",
                  self->system().render(err));
    return;
  }
  auto res = st.cfg.store->engine().put_meta(
    gossip_meta_key, std::string{buf.begin(), buf.end()});
  if (!res.ok())
    st.log->error("gossip.persist_failed error=\"{}\"", res.message);
}

/// The ring this node claimed for `names` (sorted, unique) as version 1.
ring_state first_ring(const node_settings& s, std::vector<std::string> names) {
  ring_state ring;
  ring.partitions = s.partitions;
  ring.members = std::move(names);
  ring.owners = detail::claim({}, ring.members, s.partitions, s.n);
  ring.version = 1;
  return ring;
}

/// Reads the persisted state; false if there is none.
bool read_persisted(gossiper_ptr self, gossip_state& loaded, caf::error& err) {
  auto& engine = self->state.cfg.store->engine();
  std::string text;
  if (engine.get_meta(gossip_meta_key, text).ok()) {
    std::vector<char> buf{text.begin(), text.end()};
    caf::binary_deserializer source{self->system(), buf};
    err = source(loaded);
    return true;
  }
  if (!engine.get_meta(gossip_v1_meta_key, text).ok())
    return false;
  gossip_state_v1 old;
  std::vector<char> buf{text.begin(), text.end()};
  caf::binary_deserializer source{self->system(), buf};
  err = source(old);
  loaded.cluster = old.cluster;
  loaded.partitions = old.partitions;
  loaded.ring.partitions = old.ring.partitions;
  loaded.ring.members = std::move(old.ring.members);
  loaded.ring.owners = std::move(old.ring.owners);
  loaded.ring.version = old.ring.version;
  loaded.members = std::move(old.members);
  return true;
}

void load(gossiper_ptr self) {
  auto& st = self->state;
  std::string text;
  gossip_state loaded;
  caf::error read_error;
  if (read_persisted(self, loaded, read_error)) {
    if (auto err = std::move(read_error)) {
      st.log->error("gossip.load_failed error=\"{}\" action=\"starting from "
                    "seeds\"",
                    self->system().render(err));
    } else if (auto why = check_foreign(st.state, loaded); !why.empty()) {
      st.log->error("gossip.load_failed error=\"{}\"", why);
    } else {
      merge(st.state, loaded);
    }
    return;
  }
  // A data directory from before gossip: its member list formed the ring.
  if (!st.cfg.store->engine().get_meta(legacy_members_key, text).ok())
    return;
  std::istringstream in{text};
  std::string name, addr;
  std::vector<std::string> names;
  while (in >> name >> addr) {
    names.push_back(name);
    if (name != st.settings().name)
      upsert(st.state, member_record{name, addr, 0, 0});
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (!names.empty())
    st.state.ring = first_ring(st.settings(), std::move(names));
  persist(self);
}

// -- the router's view --------------------------------------------------------

std::string forming_reason(gossiper_ptr self) {
  auto& st = self->state;
  std::string missing;
  for (auto& seed : st.settings().seeds)
    if (seed != st.settings().address() && st.seeds_heard.count(seed) == 0)
      missing += (missing.empty() ? "" : ", ") + seed;
  return "the ring is not formed yet: waiting for seeds " + missing;
}

void publish_view(gossiper_ptr self) {
  auto& st = self->state;
  cluster_view view;
  view.ring = st.state.ring;
  bool cut_off = st.isolated(self->clock().now());
  for (auto& [addr, peer] : st.peers)
    if (peer.handle && !peer.name.empty() && !peer.suspected && !cut_off)
      view.usable.emplace(peer.name, peer.handle);
  if (view.ring.version == 0)
    view.forming = forming_reason(self);
  for (auto& m : st.state.members)
    if (m.name != st.settings().name)
      view.known.push_back(m.name);
  bool same = st.view_sent && view.ring == st.last_view.ring
              && view.usable == st.last_view.usable
              && view.forming == st.last_view.forming
              && view.known == st.last_view.known;
  if (same)
    return;
  st.last_view = view;
  st.view_sent = true;
  self->send(st.cfg.router, view_atom::value, std::move(view));
}

// -- ring formation -----------------------------------------------------------

/// A new cluster: once every seed answered a gossip exchange and none of
/// them had a ring, the seeds (and this node) are the first members. Every
/// first node computes the same ring from the same seed list; should two
/// lists differ, supersedes() still makes all nodes pick one.
void maybe_form_ring(gossiper_ptr self) {
  auto& st = self->state;
  if (st.state.ring.version != 0)
    return;
  std::vector<std::string> names{st.settings().name};
  for (auto& seed : st.settings().seeds) {
    if (seed == st.settings().address())
      continue;
    if (st.seeds_heard.count(seed) == 0)
      return;
    auto i = st.peers.find(seed);
    if (i == st.peers.end() || i->second.name.empty())
      continue; // a seed list naming this node under another address
    names.push_back(i->second.name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  st.state.ring = first_ring(st.settings(), names);
  st.log->info("ring.formed version=1 members={} partitions={} n={}",
               names.size(), st.settings().partitions, st.settings().n);
  persist(self);
  publish_view(self);
}

// -- gossip -------------------------------------------------------------------

void peer_up(gossiper_ptr self, peer_link& peer, const std::string& addr) {
  auto& st = self->state;
  st.log->info("peer.up name={} address={}", peer.name, addr);
  self->send(st.cfg.handoff, peer_up_atom::value, peer.name,
             caf::actor_cast<caf::actor>(peer.handle));
}

void peer_down(gossiper_ptr self, peer_link& peer) {
  if (!peer.name.empty())
    self->send(self->state.cfg.handoff, peer_down_atom::value, peer.name);
}

/// Makes sure gossip-learnt `record` has a connection entry at its current
/// address (a node that moved leaves its old address behind).
void track_address(gossiper_ptr self, const member_record& record) {
  auto& st = self->state;
  if (record.name == st.settings().name
      || record.address == st.settings().address())
    return;
  for (auto i = st.peers.begin(); i != st.peers.end();) {
    bool is_seed = std::count(st.settings().seeds.begin(),
                              st.settings().seeds.end(), i->first)
                   > 0;
    if (i->second.name == record.name && i->first != record.address
        && !is_seed) {
      st.log->info("peer.moved name={} from={} to={}", record.name, i->first,
                   record.address);
      if (i->second.handle)
        self->demonitor(i->second.handle.address());
      peer_down(self, i->second);
      i = st.peers.erase(i);
    } else {
      ++i;
    }
  }
  st.peers[record.address];
}

/// Merges a state received from a peer (already checked).
void absorb(gossiper_ptr self, const gossip_state& theirs) {
  auto& st = self->state;
  auto old_version = st.state.ring.version;
  std::set<std::pair<std::string, std::string>> old_addresses;
  for (auto& m : st.state.members)
    old_addresses.emplace(m.name, m.address);
  auto result = merge(st.state, theirs);
  bool directory_changed = false;
  auto now = self->clock().now();
  for (auto& name : result.advanced) {
    auto record = *find_member(st.state, name);
    if (name == st.settings().name) {
      // A record of this node fresher than its own: an earlier run with a
      // clock ahead of ours. Outrank it, or gossip would forget us.
      auto& me = st.me();
      me.generation = record.generation + 1;
      me.heartbeat = 0;
      me.address = st.settings().address();
      directory_changed = true;
      continue;
    }
    if (old_addresses.count({record.name, record.address}) == 0) {
      directory_changed = true;
      track_address(self, record);
    }
    auto [i, added] = st.rumours.try_emplace(name);
    if (added)
      i->second.detector = st.rumour_detector();
    i->second.detector.heartbeat(now);
  }
  if (result.ring_changed) {
    st.log->info("ring.adopted version={} from_version={} members={}",
                 st.state.ring.version, old_version,
                 st.state.ring.members.size());
  }
  if (result.ring_changed || directory_changed)
    persist(self);
  publish_view(self);
}

/// What a cut-off node answers its peers (fault injection).
caf::error cut_off(gossiper_ptr self) {
  return make_error(dkv_errc::unavailable,
                    self->state.settings().name
                      + " is cut off from its peers (fault injection)");
}

caf::result<gossip_v1> on_gossip(gossiper_ptr self, gossip_v1& msg) {
  auto& st = self->state;
  if (st.isolated(self->clock().now()))
    return cut_off(self);
  if (auto why = check_foreign(st.state, msg.state); !why.empty()) {
    st.log->error("gossip.rejected cluster={} partitions={} reason=\"{}\"",
                  msg.state.cluster, msg.state.partitions, why);
    return make_error(dkv_errc::invalid_argument, why);
  }
  absorb(self, msg.state);
  return gossip_v1{st.state};
}

/// One push-pull exchange with the peer at `addr`.
void exchange_with(gossiper_ptr self, const std::string& addr) {
  auto& st = self->state;
  auto handle = st.peers[addr].handle;
  self->request(handle, st.settings().request_timeout, gossip_v1{st.state})
    .then(
      [self, addr](gossip_v1& reply) {
        auto& st = self->state;
        if (auto why = check_foreign(st.state, reply.state); !why.empty()) {
          st.log->error("gossip.rejected address={} reason=\"{}\"", addr,
                        why);
          return;
        }
        st.seeds_heard.insert(addr);
        absorb(self, reply.state);
        maybe_form_ring(self);
      },
      [self, addr](caf::error& err) {
        self->state.log->debug("gossip.failed address={} error=\"{}\"", addr,
                               self->system().render(err));
      });
}

std::vector<std::string> usable_peers(gossiper_ptr self) {
  std::vector<std::string> usable;
  for (auto& [addr, peer] : self->state.peers)
    if (peer.handle && !peer.name.empty() && !peer.suspected)
      usable.push_back(addr);
  return usable;
}

/// One round: a fresh heartbeat of our own, then a push-pull exchange with
/// one random usable peer. Until the ring exists, every seed is asked.
void gossip_round(gossiper_ptr self) {
  auto& st = self->state;
  if (st.isolated(self->clock().now()))
    return;
  ++st.me().heartbeat;
  std::vector<std::string> targets;
  auto usable = usable_peers(self);
  if (!usable.empty())
    targets.push_back(usable[st.rng() % usable.size()]);
  if (st.state.ring.version == 0)
    for (auto& seed : st.settings().seeds)
      if (st.seeds_heard.count(seed) == 0 && st.peers.count(seed) > 0
          && st.peers[seed].handle && !st.peers[seed].name.empty()
          && std::find(targets.begin(), targets.end(), seed) == targets.end())
        targets.push_back(seed);
  for (auto& addr : targets)
    exchange_with(self, addr);
}

/// A change this node made to the ring (a commit, a flip) goes to every
/// usable peer at once: transfers wait for the targets to know it, and a
/// transition ends only when every node has seen every flip.
void spread_now(gossiper_ptr self) {
  for (auto& addr : usable_peers(self))
    exchange_with(self, addr);
}

// -- connections and direct evidence ------------------------------------------

void handshake(gossiper_ptr self, const std::string& addr) {
  auto& st = self->state;
  auto handle = st.peers[addr].handle;
  node_info_request_v1 req{st.settings().cluster, st.settings().partitions,
                           st.settings().name, st.settings().address()};
  self->request(handle, st.settings().request_timeout, std::move(req))
    .then(
      [self, addr, handle](node_info_v1& info) {
        auto& st = self->state;
        auto i = st.peers.find(addr);
        if (i == st.peers.end() || i->second.handle != handle)
          return;
        auto& peer = i->second;
        if (info.cluster != st.settings().cluster
            || info.partitions != st.settings().partitions) {
          st.log->error("peer.refused address={} cluster={} partitions={} "
                        "reason=\"expected cluster {} with {} partitions\"",
                        addr, info.cluster, info.partitions,
                        st.settings().cluster, st.settings().partitions);
          self->demonitor(peer.handle.address());
          peer.handle = nullptr;
          return;
        }
        if (info.name == st.settings().name) {
          // A seed list naming this node under another address.
          self->demonitor(peer.handle.address());
          peer.handle = nullptr;
          peer.name = info.name;
          st.seeds_heard.insert(addr);
          maybe_form_ring(self);
          return;
        }
        peer.name = info.name;
        peer.unreachable = false;
        peer.detector = st.direct_detector();
        peer.detector.heartbeat(self->clock().now());
        peer.suspected = false;
        peer_up(self, peer, addr);
        publish_view(self);
      },
      [self, addr, handle](caf::error& err) {
        auto& st = self->state;
        st.log->error("peer.handshake_failed address={} error=\"{}\"", addr,
                      self->system().render(err));
        auto i = st.peers.find(addr);
        if (i != st.peers.end() && i->second.handle == handle) {
          self->demonitor(handle.address());
          i->second.handle = nullptr;
        }
      });
}

void connect(gossiper_ptr self, const std::string& addr) {
  auto& st = self->state;
  auto& peer = st.peers[addr];
  auto connector = st.cfg.connector;
  if (!connector && self->system().has_middleman())
    connector
      = caf::actor_cast<caf::actor>(transport_actor(self->system()));
  if (peer.handle || peer.connecting || peer.name == st.settings().name
      || !connector) // in-process tests without a network
    return;
  std::string host;
  uint16_t port = 0;
  if (!parse_address(addr, host, port))
    return;
  peer.connecting = true;
  self
    ->request(connector, st.settings().connect_retry * 5,
              caf::connect_atom::value, host, port)
    .then(
      [self, addr](const caf::node_id&, caf::strong_actor_ptr& ptr,
                   const std::set<std::string>&) {
        auto i = self->state.peers.find(addr);
        if (i == self->state.peers.end())
          return;
        i->second.connecting = false;
        if (!ptr)
          return;
        i->second.handle = caf::actor_cast<node_actor>(ptr);
        self->monitor(i->second.handle);
        handshake(self, addr);
      },
      [self, addr](caf::error&) {
        // Unreachable for now: retried at the next tick.
        if (auto i = self->state.peers.find(addr);
            i != self->state.peers.end()) {
          i->second.connecting = false;
          i->second.unreachable = true;
        }
      });
}

void on_down(gossiper_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  for (auto& [addr, peer] : st.peers)
    if (peer.handle && peer.handle.address() == msg.source) {
      st.log->warn("peer.down name={} address={}", peer.name, addr);
      peer.handle = nullptr;
      peer.unreachable = true;
      peer_down(self, peer);
    }
  publish_view(self);
}

/// Pings every connected peer (the handshake message doubles as a ping) and
/// re-evaluates suspicion from this node's own evidence (paper §4.8.3).
void heartbeat(gossiper_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  if (st.isolated(self->clock().now())) {
    publish_view(self); // no usable peer
    return;
  }
  for (auto& [addr, peer] : st.peers) {
    if (!peer.handle || peer.name.empty())
      continue;
    auto phi = peer.detector.phi(now);
    bool suspect = phi > st.settings().phi_threshold;
    if (suspect != peer.suspected) {
      peer.suspected = suspect;
      if (suspect) {
        st.log->warn("peer.suspected name={} phi={:.1f}", peer.name, phi);
        peer_down(self, peer);
      } else {
        peer_up(self, peer, addr);
      }
    }
    if (peer.ping_target == peer.handle)
      continue; // still waiting for this connection's answer
    peer.ping_target = peer.handle;
    node_info_request_v1 ping{st.settings().cluster, st.settings().partitions,
                              st.settings().name, st.settings().address()};
    auto target = peer.handle;
    self->request(target, st.settings().request_timeout * 10, std::move(ping))
      .then(
        [self, addr = addr, target](node_info_v1&) {
          auto i = self->state.peers.find(addr);
          if (i == self->state.peers.end())
            return;
          if (i->second.ping_target == target)
            i->second.ping_target = nullptr;
          if (i->second.handle == target) // not an old connection's answer
            i->second.detector.heartbeat(self->clock().now());
        },
        [self, addr = addr, target](caf::error&) {
          auto i = self->state.peers.find(addr);
          if (i != self->state.peers.end() && i->second.ping_target == target)
            i->second.ping_target = nullptr;
        });
  }
  publish_view(self);
}

// -- introspection ------------------------------------------------------------

int64_t age_ms(clock_type::time_point now, clock_type::time_point then) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - then)
    .count();
}

/// Every node known by name or address. Status: direct evidence when this
/// node has a connection, else what gossip says; a node outside the ring
/// that is alive is "joining" (it owns nothing until join, issue 7).
members_reply_v1 describe_members(gossiper_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto& ring = st.state.ring;
  std::map<std::string, uint32_t> owned;
  for (auto& share : detail::shares(ring))
    owned[share.node] = share.now;
  std::map<std::string, member_status> out;
  auto listed = [](const std::vector<std::string>& xs, const std::string& x) {
    return std::binary_search(xs.begin(), xs.end(), x);
  };
  auto label = [&](const std::string& name, bool alive) -> std::string {
    if (!alive)
      return "down";
    if (ring.version == 0)
      return "up";
    bool now = listed(ring.members, name);
    bool next = in_transition(ring) ? listed(ring.next_members, name) : now;
    if (now && !next)
      return "leaving";
    return now && next ? "up" : "joining";
  };
  for (auto& m : st.state.members) {
    member_status s{m.name, m.address, "down", owned[m.name], -1};
    if (m.name == st.settings().name) {
      s.status = label(m.name, true);
      s.last_heard_ms = 0;
    } else if (auto i = st.rumours.find(m.name); i != st.rumours.end()) {
      auto& d = i->second.detector;
      s.status = label(m.name, d.phi(now) <= st.settings().phi_threshold);
      s.last_heard_ms = age_ms(now, d.last());
    }
    out[m.name] = std::move(s);
  }
  for (auto* names : {&ring.members, &ring.next_members})
    for (auto& name : *names)
      if (out.count(name) == 0)
        out[name] = member_status{name, "?", "down", owned[name], -1};
  for (auto& [addr, peer] : st.peers) {
    if (peer.name == st.settings().name)
      continue;
    if (peer.name.empty()) {
      bool named = std::any_of(st.state.members.begin(), st.state.members.end(),
                               [&](auto& m) { return m.address == addr; });
      if (!named)
        out["?" + addr] = member_status{"?", addr, "down", 0, -1};
      continue;
    }
    if (!peer.handle && !peer.unreachable)
      continue; // no evidence of our own yet: gossip's word stands
    auto& s = out[peer.name];
    s.name = peer.name;
    s.address = addr;
    s.partitions = owned[peer.name];
    s.status = label(peer.name, peer.handle && !peer.suspected);
    if (peer.detector.heard()) {
      auto direct = age_ms(now, peer.detector.last());
      if (s.last_heard_ms < 0 || direct < s.last_heard_ms)
        s.last_heard_ms = direct;
    }
  }
  members_reply_v1 reply;
  for (auto& [key, s] : out)
    reply.members.push_back(std::move(s));
  return reply;
}

// -- membership changes (staged, planned, committed) --------------------------

/// Whether this node believes `name` is alive: its own evidence first, else
/// gossip's.
bool alive(gossiper_ptr self, const std::string& name) {
  auto& st = self->state;
  if (name == st.settings().name)
    return true;
  for (auto& [addr, peer] : st.peers)
    if (peer.name == name && (peer.handle || peer.unreachable))
      return peer.handle && !peer.suspected;
  auto i = st.rumours.find(name);
  return i != st.rumours.end()
         && i->second.detector.phi(self->clock().now())
              <= st.settings().phi_threshold;
}

/// The members after the staged changes.
std::vector<std::string> staged_members(gossiper_ptr self) {
  auto& st = self->state;
  auto& ring = st.state.ring;
  std::set<std::string> names(ring.members.begin(), ring.members.end());
  for (auto& change : st.staged) {
    if (change.op == "join")
      names.insert(change.node);
    else
      names.erase(change.node);
  }
  return {names.begin(), names.end()};
}

cluster_plan_v1 describe_plan(gossiper_ptr self, std::string op,
                              const ring_state& ring) {
  auto& st = self->state;
  cluster_plan_v1 plan;
  plan.op = std::move(op);
  plan.staged = st.staged;
  plan.ring_version = st.state.ring.version;
  plan.transition_in_progress = in_transition(st.state.ring);
  plan.partitions_moving = detail::partitions_moving(ring);
  for (auto& share : detail::shares(ring))
    plan.shares.push_back(member_share{share.node, share.now, share.next});
  return plan;
}

caf::error check_can_change(gossiper_ptr self) {
  auto& ring = self->state.state.ring;
  if (ring.version == 0)
    return make_error(dkv_errc::unavailable, "the ring is not formed yet");
  return caf::none;
}

bool is_staged(gossiper_ptr self, const std::string& name) {
  auto& staged = self->state.staged;
  return std::any_of(staged.begin(), staged.end(),
                     [&](auto& c) { return c.node == name; });
}

bool is_member(const ring_state& ring, const std::string& name) {
  auto listed = [&](const std::vector<std::string>& xs) {
    return std::binary_search(xs.begin(), xs.end(), name);
  };
  return listed(ring.members) || listed(ring.next_members);
}

/// Stages a join once the node at `addr` answered as a node of this
/// cluster with this Q.
void stage_join(gossiper_ptr self, const std::string& addr,
                caf::typed_response_promise<cluster_plan_v1> rp) {
  auto& st = self->state;
  std::string host;
  uint16_t port = 0;
  if (!parse_address(addr, host, port)) {
    rp.deliver(make_error(dkv_errc::invalid_argument,
                          "join: '" + addr + "' is not HOST:PORT"));
    return;
  }
  auto connector = st.cfg.connector;
  if (!connector && self->system().has_middleman())
    connector
      = caf::actor_cast<caf::actor>(transport_actor(self->system()));
  if (!connector) {
    rp.deliver(make_error(dkv_errc::unavailable, "join: no network"));
    return;
  }
  auto timeout = st.settings().request_timeout;
  auto no_answer = [rp, addr](caf::error&) mutable {
    rp.deliver(make_error(dkv_errc::invalid_argument,
                          "join: no dkv node answers at " + addr
                            + " (start it first, pointed at a seed)"));
  };
  self->request(connector, timeout, caf::connect_atom::value, host, port)
    .then(
      [self, addr, rp, timeout, no_answer](const caf::node_id&,
                                           caf::strong_actor_ptr& ptr,
                                           const std::set<std::string>&) mutable {
        if (!ptr) {
          caf::error none;
          no_answer(none);
          return;
        }
        auto& st = self->state;
        node_info_request_v1 hello{st.settings().cluster,
                                   st.settings().partitions,
                                   st.settings().name, st.settings().address()};
        self
          ->request(caf::actor_cast<node_actor>(ptr), timeout,
                    std::move(hello))
          .then(
            [self, addr, rp](node_info_v1& info) mutable {
              auto& st = self->state;
              if (info.cluster != st.settings().cluster
                  || info.partitions != st.settings().partitions) {
                rp.deliver(make_error(
                  dkv_errc::invalid_argument,
                  "join: the node at " + addr + " belongs to cluster "
                    + info.cluster + " with "
                    + std::to_string(info.partitions)
                    + " partitions, not " + st.settings().cluster + " with "
                    + std::to_string(st.settings().partitions)));
                return;
              }
              if (is_member(st.state.ring, info.name)) {
                rp.deliver(make_error(dkv_errc::invalid_argument,
                                      "join: " + info.name
                                        + " is a member already"));
                return;
              }
              if (is_staged(self, info.name)) {
                rp.deliver(make_error(dkv_errc::invalid_argument,
                                      "join: a change of " + info.name
                                        + " is staged already"));
                return;
              }
              st.staged.push_back(
                staged_change{"join", info.name, info.address, false});
              st.peers[info.address]; // connect and gossip with it
              st.log->info("membership.staged op=join node={} address={}",
                           info.name, info.address);
              auto next = detail::begin_transition(
                st.state.ring, staged_members(self), st.settings().n, {});
              rp.deliver(describe_plan(self, "join", next));
            },
            [self, rp, addr](caf::error& err) mutable {
              rp.deliver(make_error(dkv_errc::invalid_argument,
                                    "join: the node at " + addr + " refused: "
                                      + self->system().render(err)));
            });
      },
      no_answer);
}

caf::result<cluster_plan_v1> stage_leave(gossiper_ptr self,
                                         const cluster_change_v1& req) {
  auto& st = self->state;
  auto& name = req.target;
  if (!is_member(st.state.ring, name))
    return make_error(dkv_errc::invalid_argument,
                      "leave: " + name + " is not a member");
  if (in_transition(st.state.ring)
      && !std::binary_search(st.state.ring.next_members.begin(),
                             st.state.ring.next_members.end(), name))
    return make_error(dkv_errc::invalid_argument,
                      "leave: " + name + " is leaving already");
  if (is_staged(self, name))
    return make_error(dkv_errc::invalid_argument,
                      "leave: a change of " + name + " is staged already");
  auto remaining = staged_members(self).size() - 1;
  if (remaining < st.settings().n)
    return make_error(dkv_errc::invalid_argument,
                      "leave: " + std::to_string(remaining)
                        + " members would remain, fewer than N="
                        + std::to_string(st.settings().n));
  if (!req.force && !alive(self, name))
    return make_error(
      dkv_errc::invalid_argument,
      "leave: " + name
        + " is down and cannot hand off its partitions; 'leave " + name
        + " --force' removes it anyway, and a key is lost if its only "
          "copies were there");
  std::string address;
  if (auto m = find_member(st.state, name))
    address = m->address;
  st.staged.push_back(staged_change{"leave", name, address, req.force});
  st.log->info("membership.staged op=leave node={} force={}", name,
               req.force);
  auto next = detail::begin_transition(st.state.ring, staged_members(self),
                                       st.settings().n, {});
  return describe_plan(self, "leave", next);
}

caf::result<cluster_plan_v1> commit(gossiper_ptr self) {
  auto& st = self->state;
  auto& ring = st.state.ring;
  if (in_transition(ring))
    return make_error(dkv_errc::unavailable,
                      "commit: the last change still moves "
                        + std::to_string(detail::partitions_moving(ring))
                        + " partitions; commit once 'transfers' shows none");
  if (st.staged.empty())
    return make_error(dkv_errc::invalid_argument,
                      "commit: nothing staged (use join or leave first)");
  std::set<std::string> forced;
  for (auto& change : st.staged)
    if (change.op == "leave" && change.force)
      forced.insert(change.node);
  auto next = detail::begin_transition(ring, staged_members(self),
                                       st.settings().n, forced);
  auto plan = describe_plan(self, "commit", next);
  plan.partitions_moving = detail::partitions_moving(next);
  st.log->info("membership.committed version={} members={} moving={}",
               next.version,
               (in_transition(next) ? next.next_members : next.members).size(),
               plan.partitions_moving);
  ring = std::move(next);
  st.staged.clear();
  plan.staged.clear();
  plan.ring_version = ring.version;
  plan.transition_in_progress = in_transition(ring);
  persist(self);
  publish_view(self);
  spread_now(self);
  return plan;
}

caf::result<cluster_plan_v1> on_cluster_change(gossiper_ptr self,
                                               cluster_change_v1& req) {
  auto& st = self->state;
  if (auto err = check_can_change(self))
    return err;
  if (req.op == "join") {
    auto rp = self->make_response_promise<cluster_plan_v1>();
    stage_join(self, req.target, rp);
    return rp;
  }
  if (req.op == "leave")
    return stage_leave(self, req);
  if (req.op == "plan") {
    auto next = in_transition(st.state.ring) || st.staged.empty()
                  ? st.state.ring
                  : detail::begin_transition(
                    st.state.ring, staged_members(self), st.settings().n, {});
    return describe_plan(self, "plan", next);
  }
  if (req.op == "commit")
    return commit(self);
  if (req.op == "clear") {
    st.staged.clear();
    return describe_plan(self, "clear", st.state.ring);
  }
  return make_error(dkv_errc::invalid_argument,
                    "unknown membership operation '" + req.op
                      + "' (join, leave, plan, commit, clear)");
}

/// A partition's data reached every node that gains it: flip it.
void on_partition_moved(gossiper_ptr self, uint32_t partition,
                        uint64_t version) {
  auto& st = self->state;
  auto& ring = st.state.ring;
  if (ring.version != version || !in_transition(ring)
      || partition >= ring.moved.size() || ring.moved[partition] != 0)
    return;
  ring.moved[partition] = 1;
  st.log->info("partition.flipped partition={} version={} moving={}",
               partition, version, detail::partitions_moving(ring));
  if (complete_transition(ring))
    st.log->info("membership.completed version={} members={}", ring.version,
                 ring.members.size());
  persist(self);
  publish_view(self);
  spread_now(self);
}

caf::behavior gossiper(gossiper_ptr self, gossiper_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.log = logger("gossip");
  st.state.cluster = st.settings().cluster;
  st.state.partitions = st.settings().partitions;
  if (st.cfg.seed != 0)
    st.rng.seed(static_cast<std::minstd_rand::result_type>(st.cfg.seed));
  load(self);
  // A restart outranks every record of earlier runs (see member_record).
  auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  uint64_t generation = static_cast<uint64_t>(wall);
  if (auto old = find_member(st.state, st.settings().name))
    generation = std::max(generation, old->generation + 1);
  upsert(st.state, member_record{st.settings().name, st.settings().address(),
                                 generation, 0});
  for (auto& seed : st.settings().seeds)
    if (seed != st.settings().address())
      st.peers[seed];
  for (auto& m : st.state.members)
    if (m.name != st.settings().name)
      st.peers[m.address];
  if (st.state.ring.version == 0 && st.peers.empty())
    maybe_form_ring(self); // a one-node cluster
  persist(self);
  publish_view(self);
  self->set_down_handler([self](caf::down_msg& msg) { on_down(self, msg); });
  self->send(self, connect_tick_atom::value);
  self->send(self, gossip_tick_atom::value);
  return {
    [self](connect_tick_atom) {
      if (!self->state.isolated(self->clock().now()))
        for (auto& [addr, peer] : self->state.peers)
          connect(self, addr);
      heartbeat(self);
      self->delayed_send(self, self->state.settings().connect_retry,
                         connect_tick_atom::value);
    },
    [self](gossip_tick_atom) {
      gossip_round(self);
      self->delayed_send(self, self->state.settings().gossip_interval,
                         gossip_tick_atom::value);
    },
    [self](gossip_v1& msg) { return on_gossip(self, msg); },
    [self](members_request_v1&) { return describe_members(self); },
    [self](cluster_change_v1& req) { return on_cluster_change(self, req); },
    [self](partition_moved_atom, uint32_t partition, uint64_t version) {
      on_partition_moved(self, partition, version);
    },
    [self](isolate_request_v1& req) {
      auto& st = self->state;
      st.isolated_until
        = self->clock().now() + std::chrono::milliseconds(req.millis);
      st.log->warn("fault.isolated ms={}", req.millis);
      publish_view(self);
    },
    [self](node_info_request_v1& req) -> caf::result<node_info_v1> {
      auto& st = self->state;
      if (st.isolated(self->clock().now()))
        return cut_off(self);
      if (req.cluster != st.settings().cluster
          || req.partitions != st.settings().partitions) {
        st.log->error("peer.rejected name={} address={} cluster={} "
                      "partitions={}",
                      req.name, req.address, req.cluster, req.partitions);
        return make_error(dkv_errc::invalid_argument,
                          "cluster " + st.settings().cluster + " with "
                            + std::to_string(st.settings().partitions)
                            + " partitions refuses cluster " + req.cluster
                            + " with " + std::to_string(req.partitions));
      }
      return node_info_v1{st.settings().cluster, st.settings().name,
                          st.settings().address(), st.settings().partitions,
                          st.cfg.incarnation};
    },
  };
}

} // namespace

caf::actor spawn_gossiper(caf::actor_system& sys, gossiper_config cfg) {
  return sys.spawn(gossiper, std::move(cfg));
}

} // namespace dkv
