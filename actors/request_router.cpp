#include "actors/request_router.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/detail/claim.hpp"
#include "actors/detail/key_hash.hpp"
#include "actors/detail/phi_detector.hpp"
#include "actors/detail/preference_list.hpp"
#include "actors/get_coordinator.hpp"
#include "actors/handoff_queue.hpp"
#include "actors/logging.hpp"
#include "actors/put_coordinator.hpp"
#include "actors/vnode.hpp"
#include "messages/errors.hpp"

namespace dkv {

namespace {

using connect_tick_atom = caf::atom_constant<caf::atom("conn_tick")>;

/// Meta key of the persisted member list: lines of "name address".
constexpr const char* members_meta_key = "members.v1";

struct peer_info {
  std::string address;
  std::string name; // empty until the handshake succeeded once
  node_actor handle;
  bool connecting = false;
  std::chrono::steady_clock::time_point last_heard;
  bool heard = false;
  /// Heartbeat history of the current connection.
  detail::phi_detector detector;
  /// Connected but silent past the phi threshold: treated as down.
  bool suspected = false;
  bool heartbeat_in_flight = false;
};

struct router_state {
  static inline const char* name = "dkv.request_router";
  router_config cfg;
  std::shared_ptr<spdlog::logger> log;
  std::map<std::string, peer_info> peers;          // by address
  std::map<std::string, std::string> member_addrs; // name -> address
  std::vector<std::string> owners;                 // empty: no ring yet
  std::map<uint32_t, vnode_actor> vnodes;
  caf::actor handoff;
  std::map<std::string, uint64_t> counters;

  const node_settings& settings() const { return cfg.settings; }
  void count(const std::string& what) { ++counters[what]; }

  ~router_state() {
    // The vnodes live as long as the router that spawned them.
    for (auto& [partition, vnode] : vnodes)
      caf::anon_send_exit(vnode, caf::exit_reason::user_shutdown);
    if (handoff)
      caf::anon_send_exit(handoff, caf::exit_reason::user_shutdown);
  }
};

using router_ptr = caf::stateful_actor<router_state>*;

// -- membership ---------------------------------------------------------------

void persist_members(router_ptr self) {
  auto& st = self->state;
  std::ostringstream out;
  for (auto& [name, addr] : st.member_addrs)
    out << name << ' ' << addr << '\n';
  auto res = st.cfg.store->engine().put_meta(members_meta_key, out.str());
  if (!res.ok())
    st.log->error("members.persist_failed error=\"{}\"", res.message);
}

void form_ring(router_ptr self) {
  auto& st = self->state;
  std::vector<std::string> names;
  for (auto& [name, addr] : st.member_addrs)
    names.push_back(name);
  st.owners = detail::claim({}, names, st.settings().partitions,
                            st.settings().n);
  st.log->info("ring.formed members={} partitions={} n={}", names.size(),
               st.settings().partitions, st.settings().n);
}

/// Seeds are the members for now: the ring forms once every seed's name is
/// known (from a handshake or from the persisted list).
void maybe_form_ring(router_ptr self) {
  auto& st = self->state;
  if (!st.owners.empty())
    return;
  for (auto& [addr, peer] : st.peers)
    if (peer.name.empty())
      return;
  form_ring(self);
  persist_members(self);
}

void load_members(router_ptr self) {
  auto& st = self->state;
  std::string text;
  auto res = st.cfg.store->engine().get_meta(members_meta_key, text);
  if (!res.ok())
    return;
  std::istringstream in{text};
  std::string name, addr;
  while (in >> name >> addr) {
    st.member_addrs[name] = addr;
    if (name != st.settings().name)
      st.peers[addr].name = name;
  }
}

void handshake(router_ptr self, const std::string& addr) {
  auto& st = self->state;
  auto handle = st.peers[addr].handle;
  node_info_request_v1 req{st.settings().cluster, st.settings().partitions,
                           st.settings().name, st.settings().address()};
  self->request(handle, st.settings().request_timeout, std::move(req))
    .then(
      [self, addr](node_info_v1& info) {
        auto& st = self->state;
        auto& peer = st.peers[addr];
        if (info.cluster != st.settings().cluster
            || info.partitions != st.settings().partitions) {
          st.log->error("peer.refused address={} cluster={} partitions={} "
                        "reason=\"expected cluster {} with {} partitions\"",
                        addr, info.cluster, info.partitions,
                        st.settings().cluster, st.settings().partitions);
          peer.handle = nullptr;
          return;
        }
        if (info.name == st.settings().name) {
          // A seed list naming ourselves under another address.
          st.peers.erase(addr);
          maybe_form_ring(self);
          return;
        }
        peer.name = info.name;
        peer.heard = true;
        peer.last_heard = std::chrono::steady_clock::now();
        peer.detector = detail::phi_detector{
          100, 100.0, static_cast<double>(st.settings().connect_retry.count())};
        peer.detector.heartbeat(peer.last_heard);
        peer.suspected = false;
        st.member_addrs[info.name] = addr;
        st.log->info("peer.up name={} address={}", info.name, addr);
        self->send(st.handoff, peer_up_atom::value, info.name,
                   caf::actor_cast<caf::actor>(peer.handle));
        maybe_form_ring(self);
      },
      [self, addr](caf::error& err) {
        auto& st = self->state;
        st.log->error("peer.handshake_failed address={} error=\"{}\"", addr,
                      self->system().render(err));
        st.peers[addr].handle = nullptr;
      });
}

void connect(router_ptr self, const std::string& addr) {
  auto& st = self->state;
  auto& peer = st.peers[addr];
  if (peer.handle || peer.connecting)
    return;
  std::string host;
  uint16_t port = 0;
  if (!parse_address(addr, host, port))
    return;
  peer.connecting = true;
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, st.settings().connect_retry * 5, caf::connect_atom::value,
                host, port)
    .then(
      [self, addr](const caf::node_id&, caf::strong_actor_ptr& ptr,
                   const std::set<std::string>&) {
        auto& peer = self->state.peers[addr];
        peer.connecting = false;
        if (!ptr)
          return;
        peer.handle = caf::actor_cast<node_actor>(ptr);
        self->monitor(peer.handle);
        handshake(self, addr);
      },
      [self, addr](caf::error&) {
        // Unreachable for now: retried at the next tick.
        self->state.peers[addr].connecting = false;
      });
}

void on_peer_down(router_ptr self, const caf::actor_addr& who) {
  auto& st = self->state;
  for (auto& [addr, peer] : st.peers)
    if (peer.handle && peer.handle.address() == who) {
      st.log->warn("peer.down name={} address={}", peer.name, addr);
      peer.handle = nullptr;
      if (!peer.name.empty())
        self->send(st.handoff, peer_down_atom::value, peer.name);
    }
}

/// One heartbeat round: pings every connected peer (the handshake message
/// doubles as a ping) and re-evaluates suspicion. Local and quick (paper
/// §4.8.3): only this node's own evidence counts.
void heartbeat(router_ptr self) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  for (auto& [addr, peer] : st.peers) {
    if (!peer.handle || peer.name.empty())
      continue;
    auto phi = peer.detector.phi(now);
    bool suspect = phi > st.settings().phi_threshold;
    if (suspect != peer.suspected) {
      peer.suspected = suspect;
      if (suspect) {
        st.log->warn("peer.suspected name={} phi={:.1f}", peer.name, phi);
        self->send(st.handoff, peer_down_atom::value, peer.name);
      } else {
        st.log->info("peer.up name={} address={}", peer.name, addr);
        self->send(st.handoff, peer_up_atom::value, peer.name,
                   caf::actor_cast<caf::actor>(peer.handle));
      }
    }
    if (peer.heartbeat_in_flight)
      continue;
    peer.heartbeat_in_flight = true;
    node_info_request_v1 ping{st.settings().cluster, st.settings().partitions,
                              st.settings().name, st.settings().address()};
    auto target = peer.handle;
    self->request(target, st.settings().request_timeout * 10, std::move(ping))
      .then(
        [self, addr = addr, target](node_info_v1&) {
          auto& peer = self->state.peers[addr];
          peer.heartbeat_in_flight = false;
          if (peer.handle != target)
            return; // an answer over an old connection
          peer.last_heard = std::chrono::steady_clock::now();
          peer.detector.heartbeat(peer.last_heard);
        },
        [self, addr = addr](caf::error&) {
          self->state.peers[addr].heartbeat_in_flight = false;
        });
  }
}

// -- placement ----------------------------------------------------------------

vnode_actor vnode_for(router_ptr self, uint32_t partition) {
  auto& st = self->state;
  if (auto i = st.vnodes.find(partition); i != st.vnodes.end())
    return i->second;
  vnode_config vcfg;
  vcfg.partition = partition;
  vcfg.store = st.cfg.store;
  vcfg.self = st.cfg.incarnation;
  vcfg.max_clock_entries = st.settings().max_clock_entries;
  auto handle = self->system().spawn(vnode, std::move(vcfg));
  self->monitor(handle);
  st.vnodes.emplace(partition, handle);
  return handle;
}

/// The published actor of `name`, null if unknown or unreachable now.
node_actor peer_handle(router_ptr self, const std::string& name) {
  auto& st = self->state;
  auto i = st.member_addrs.find(name);
  if (i == st.member_addrs.end())
    return {};
  auto& peer = st.peers[i->second];
  return peer.suspected ? node_actor{} : peer.handle;
}

/// The replicas of a partition for one request (paper §4.6, sloppy quorum):
/// walking the extended preference list, the first N reachable nodes; each
/// reachable fallback stands in for one unreachable home replica, in order.
std::vector<replica_target> replicas(router_ptr self, uint32_t partition) {
  auto& st = self->state;
  auto& me = st.settings().name;
  auto n = st.settings().n;
  auto walk = detail::extended_preference_list(st.owners, partition);
  std::vector<replica_target> result;
  std::vector<std::string> absent; // unreachable home replicas, in order
  size_t covered = 0;
  for (size_t i = 0; i < walk.size() && result.size() < n; ++i) {
    auto& name = walk[i];
    bool home = i < n;
    replica_target t{name, vnode_actor{}, {}, {}};
    if (name == me) {
      t.handle = vnode_for(self, partition);
      t.hint_handle = st.handoff;
    } else if (auto peer = peer_handle(self, name)) {
      t.handle = caf::actor_cast<vnode_actor>(peer);
      t.hint_handle = caf::actor_cast<caf::actor>(peer);
    } else {
      if (home)
        absent.push_back(name);
      continue;
    }
    if (!home) {
      if (covered >= absent.size())
        break;
      t.hint_for = absent[covered++];
    }
    result.push_back(std::move(t));
  }
  // Home replicas nobody stands in for still count against the quorum.
  for (; covered < absent.size() && result.size() < n; ++covered)
    result.push_back(replica_target{absent[covered], vnode_actor{}, {}, {}});
  return result;
}

uint32_t partition_of_key(router_ptr self, const std::string& key) {
  return detail::partition_of(detail::key_hash(key),
                              self->state.settings().partitions);
}

// -- validation ---------------------------------------------------------------

caf::error bad_partition(uint32_t partition) {
  return make_error(dkv_errc::wrong_node,
                    "no partition " + std::to_string(partition));
}

caf::error check_key(router_ptr self, const std::string& key) {
  std::string why;
  if (!storage::valid_key(key, self->state.settings().limits, why))
    return make_error(dkv_errc::invalid_argument, why);
  return caf::none;
}

caf::error check_quorum_size(router_ptr self, uint32_t x, const char* what) {
  auto n = self->state.settings().n;
  if (x > n)
    return make_error(dkv_errc::invalid_argument,
                      std::string{what} + "=" + std::to_string(x)
                        + " exceeds N=" + std::to_string(n));
  return caf::none;
}

caf::error check_ring(router_ptr self) {
  if (self->state.owners.empty()) {
    std::string missing;
    for (auto& [addr, peer] : self->state.peers)
      if (peer.name.empty())
        missing += (missing.empty() ? "" : ", ") + addr;
    return make_error(dkv_errc::unavailable,
                      "the ring is not formed yet: waiting for seeds "
                        + missing);
  }
  return caf::none;
}

// -- writes -------------------------------------------------------------------

template <class Reply>
Reply make_write_reply(const object& stored, replica_id coordinator) {
  Reply reply;
  reply.context = encode_context(written_context(stored, coordinator));
  return reply;
}

/// Forwards a write to the first reachable primary (clocks gain entries only
/// from owners); tries the next one when a primary cannot be reached.
template <class Request, class Reply>
void forward_write(router_ptr self, Request req,
                   caf::typed_response_promise<Reply> rp,
                   std::vector<replica_target> candidates, size_t index) {
  while (index < candidates.size() && !candidates[index].handle)
    ++index;
  if (index >= candidates.size()) {
    rp.deliver(make_error(dkv_errc::quorum_unavailable,
                          "no replica of the key's partition is reachable"));
    return;
  }
  auto target = caf::actor_cast<node_actor>(candidates[index].handle);
  self->state.count("writes.forwarded");
  self->request(target, self->state.settings().request_timeout * 2, req)
    .then([rp](Reply& reply) mutable { rp.deliver(std::move(reply)); },
          [self, req, rp, candidates, index](caf::error& err) mutable {
            if (dkv_code(err) != dkv_errc::none) {
              rp.deliver(std::move(err)); // the coordinator's verdict
              return;
            }
            forward_write(self, std::move(req), std::move(rp),
                          std::move(candidates), index + 1);
          });
}

template <class Request, class Reply>
caf::result<Reply> handle_write(router_ptr self, Request& req,
                                const std::string* value) {
  auto& st = self->state;
  if (auto err = check_key(self, req.key))
    return err;
  std::string why;
  if (value && !storage::valid_value(*value, st.settings().limits, why))
    return make_error(dkv_errc::invalid_argument, why);
  auto context = decode_context(req.context);
  if (!context)
    return make_error(dkv_errc::invalid_argument,
                      "the context is not one dkv returned");
  if (auto err = check_quorum_size(self, req.w, "w"))
    return err;
  if (auto err = check_ring(self))
    return err;
  auto partition = partition_of_key(self, req.key);
  auto targets = replicas(self, partition);
  auto rp = self->make_response_promise<Reply>();
  // A home replica coordinates (clocks gain entries only from owners);
  // another node forwards to the first reachable one. Only when no home
  // replica is reachable does a substitute coordinate (always writable).
  auto is_home = [](const replica_target& t) {
    return t.hint_for.empty() && t.handle;
  };
  auto me = std::find_if(targets.begin(), targets.end(), [&](auto& t) {
    return t.node == st.settings().name;
  });
  bool any_home = std::any_of(targets.begin(), targets.end(), is_home);
  if (me == targets.end() || (!me->hint_for.empty() && any_home)) {
    std::vector<replica_target> homes;
    for (auto& t : targets)
      if (is_home(t))
        homes.push_back(t);
    forward_write(self, req, rp, std::move(homes), 0);
    return rp;
  }
  std::rotate(targets.begin(), me, me + 1); // the local replica goes first
  put_coordinator_config cfg;
  cfg.targets = std::move(targets);
  cfg.w = req.w != 0 ? req.w : st.settings().w;
  cfg.timeout = st.settings().request_timeout;
  cfg.write.partition = partition;
  cfg.write.key = req.key;
  cfg.write.context = std::move(*context);
  cfg.write.tombstone = value == nullptr;
  if (value)
    cfg.write.value = *value;
  cfg.write.sync = st.settings().durability == sync_policy::one;
  st.count(value ? "puts.coordinated" : "dels.coordinated");
  cfg.finish = [rp, me = st.cfg.incarnation](
                 caf::expected<object> result) mutable {
    if (result)
      rp.deliver(make_write_reply<Reply>(*result, me));
    else
      rp.deliver(std::move(result.error()));
  };
  spawn_put_coordinator(self->system(), std::move(cfg));
  return rp;
}

// -- reads --------------------------------------------------------------------

caf::result<get_reply_v1> handle_get(router_ptr self, get_request_v1& req) {
  auto& st = self->state;
  if (auto err = check_key(self, req.key))
    return err;
  if (auto err = check_quorum_size(self, req.r, "r"))
    return err;
  if (auto err = check_ring(self))
    return err;
  auto rp = self->make_response_promise<get_reply_v1>();
  get_coordinator_config cfg;
  cfg.partition = partition_of_key(self, req.key);
  cfg.key = req.key;
  cfg.targets = replicas(self, cfg.partition);
  cfg.r = req.r != 0 ? req.r : st.settings().r;
  cfg.timeout = st.settings().request_timeout;
  st.count("gets");
  cfg.finish = [rp](caf::expected<object> result) mutable {
    if (!result) {
      rp.deliver(std::move(result.error()));
      return;
    }
    get_reply_v1 reply;
    reply.values = live_values(*result);
    reply.context = encode_context(context_of(*result));
    rp.deliver(std::move(reply));
  };
  caf::actor router = caf::actor_cast<caf::actor>(self);
  cfg.on_repair = [router](const std::string&) {
    caf::anon_send(router, caf::add_atom::value, std::string{"read_repairs"});
  };
  spawn_get_coordinator(self->system(), std::move(cfg));
  return rp;
}

// -- introspection ------------------------------------------------------------

members_reply_v1 describe_members(router_ptr self) {
  auto& st = self->state;
  std::map<std::string, uint32_t> owned;
  for (auto& o : st.owners)
    ++owned[o];
  members_reply_v1 reply;
  auto now = std::chrono::steady_clock::now();
  member_status me{st.settings().name, st.settings().address(), "up",
                   owned[st.settings().name], 0};
  reply.members.push_back(me);
  for (auto& [addr, peer] : st.peers) {
    member_status m;
    m.name = peer.name.empty() ? "?" : peer.name;
    m.address = addr;
    m.status = peer.handle && !peer.name.empty() && !peer.suspected ? "up"
                                                                    : "down";
    m.partitions = owned[peer.name];
    if (peer.heard)
      m.last_heard_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          now - peer.last_heard)
                          .count();
    reply.members.push_back(std::move(m));
  }
  std::sort(reply.members.begin(), reply.members.end(),
            [](auto& x, auto& y) { return x.name < y.name; });
  return reply;
}

status_reply_v1 describe_status(router_ptr self) {
  auto& st = self->state;
  status_reply_v1 reply;
  reply.node = st.settings().name;
  auto add = [&](std::string name, std::string value) {
    reply.stats.push_back({std::move(name), std::move(value)});
  };
  add("address", st.settings().address());
  add("cluster", st.settings().cluster);
  add("partitions", std::to_string(st.settings().partitions));
  add("n", std::to_string(st.settings().n));
  add("r", std::to_string(st.settings().r));
  add("w", std::to_string(st.settings().w));
  add("durability", to_string(st.settings().durability));
  add("ring", st.owners.empty() ? "forming" : "ready");
  add("vnodes", std::to_string(st.vnodes.size()));
  for (auto& [name, value] : st.counters)
    add(name, std::to_string(value));
  return reply;
}

caf::behavior request_router(router_ptr self, router_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.log = logger("router");
  handoff_config hcfg;
  hcfg.store = st.cfg.store;
  hcfg.hints = std::make_shared<storage::hint_store>(st.cfg.store->engine());
  hcfg.router = caf::actor_cast<caf::actor>(self);
  hcfg.interval = st.settings().connect_retry;
  hcfg.request_timeout = st.settings().request_timeout;
  st.handoff = spawn_handoff_queue(self->system(), std::move(hcfg));
  self->monitor(st.handoff);
  st.member_addrs[st.settings().name] = st.settings().address();
  load_members(self);
  for (auto& seed : st.settings().seeds)
    if (seed != st.settings().address())
      st.peers[seed];
  if (st.member_addrs.size() > 1 || st.peers.empty()) {
    // Persisted members from an earlier run (or a one-node cluster): serve at
    // once while connections are being re-established.
    form_ring(self);
    if (st.peers.empty())
      persist_members(self);
  }
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    for (auto i = st.vnodes.begin(); i != st.vnodes.end(); ++i)
      if (i->second.address() == msg.source) {
        st.log->error("vnode.down partition={} reason=\"{}\"", i->first,
                      self->system().render(msg.reason));
        st.vnodes.erase(i); // respawned (reopening its database) on next use
        return;
      }
    if (msg.source == st.handoff.address()) {
      // Without its handoff queue the node would silently stop delivering
      // hints: fail, so the supervisor restarts the router (and the queue).
      st.log->error("handoff.down reason=\"{}\"",
                    self->system().render(msg.reason));
      self->quit(msg.reason ? msg.reason
                            : caf::error{caf::exit_reason::unknown});
      return;
    }
    on_peer_down(self, msg.source);
  });
  self->send(self, connect_tick_atom::value);
  return {
    [self](connect_tick_atom) {
      for (auto& [addr, peer] : self->state.peers)
        connect(self, addr);
      heartbeat(self);
      self->delayed_send(self, self->state.settings().connect_retry,
                         connect_tick_atom::value);
    },
    [self](caf::add_atom, const std::string& counter) {
      self->state.count(counter);
    },
    [self](get_request_v1& req) { return handle_get(self, req); },
    [self](put_request_v1& req) {
      return handle_write<put_request_v1, put_reply_v1>(self, req, &req.value);
    },
    [self](del_request_v1& req) {
      return handle_write<del_request_v1, del_reply_v1>(self, req, nullptr);
    },
    [self](members_request_v1&) { return describe_members(self); },
    [self](ring_request_v1&) {
      return ring_reply_v1{self->state.settings().partitions,
                           self->state.owners};
    },
    [self](preflist_request_v1& req) -> caf::result<preflist_reply_v1> {
      if (auto err = check_key(self, req.key))
        return err;
      if (auto err = check_ring(self))
        return err;
      auto p = partition_of_key(self, req.key);
      return preflist_reply_v1{
        p, detail::preference_list(self->state.owners, p,
                                   self->state.settings().n)};
    },
    [self](status_request_v1&) -> caf::result<status_reply_v1> {
      auto rp = self->make_response_promise<status_reply_v1>();
      self->request(self->state.handoff, self->state.settings().request_timeout,
                    caf::get_atom::value)
        .then(
          [self, rp](std::vector<hint_count>& counts) mutable {
            auto reply = describe_status(self);
            uint64_t total = 0;
            for (auto& c : counts) {
              total += c.pending;
              reply.stats.push_back(
                {"hints.pending." + c.owner, std::to_string(c.pending)});
            }
            reply.stats.push_back({"hints.pending", std::to_string(total)});
            rp.deliver(std::move(reply));
          },
          [self, rp](caf::error&) mutable {
            rp.deliver(describe_status(self));
          });
      return rp;
    },
    [self](node_info_request_v1& req) -> caf::result<node_info_v1> {
      auto& st = self->state;
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
    [self](vnode_hint_v1& req) -> caf::result<vnode_object_v1> {
      if (req.partition >= self->state.settings().partitions)
        return bad_partition(req.partition);
      self->state.count("hints.received");
      auto rp = self->make_response_promise<vnode_object_v1>();
      self->request(self->state.handoff, self->state.settings().request_timeout,
                    std::move(req))
        .then([rp](vnode_object_v1& x) mutable { rp.deliver(std::move(x)); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](vnode_get_v1& req) -> caf::result<vnode_object_v1> {
      if (req.partition >= self->state.settings().partitions)
        return bad_partition(req.partition);
      return self->delegate(vnode_for(self, req.partition), std::move(req));
    },
    [self](vnode_merge_v1& req) -> caf::result<vnode_object_v1> {
      if (req.partition >= self->state.settings().partitions)
        return bad_partition(req.partition);
      return self->delegate(vnode_for(self, req.partition), std::move(req));
    },
    [self](vnode_coordinate_v1& req) -> caf::result<vnode_object_v1> {
      if (req.partition >= self->state.settings().partitions)
        return bad_partition(req.partition);
      return self->delegate(vnode_for(self, req.partition), std::move(req));
    },
  };
}

} // namespace

caf::actor spawn_request_router(caf::actor_system& sys, router_config cfg) {
  return sys.spawn(request_router, std::move(cfg));
}

} // namespace dkv
