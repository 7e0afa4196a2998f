#include "actors/request_router.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "caf/all.hpp"

#include "actors/detail/clock_epochs.hpp"
#include "actors/detail/deadline_queue.hpp"
#include "actors/detail/key_hash.hpp"
#include "actors/detail/merkle_tree.hpp"
#include "actors/detail/preference_list.hpp"
#include "actors/detail/reaped_memory.hpp"
#include "actors/detail/ring_transition.hpp"
#include "actors/entropy_manager.hpp"
#include "actors/get_round.hpp"
#include "actors/gossiper.hpp"
#include "actors/handoff_queue.hpp"
#include "actors/log_flusher.hpp"
#include "actors/logging.hpp"
#include "actors/peer_outbox.hpp"
#include "actors/put_round.hpp"
#include "actors/network_reader.hpp"
#include "actors/replica_reader.hpp"
#include "actors/storage_errors.hpp"
#include "actors/transfer_manager.hpp"
#include "actors/vnode.hpp"
#include "messages/errors.hpp"
#include "messages/membership_protocol.hpp"
#include "storage/record_codec.hpp"

namespace dkv {

namespace {

/// How long reaped clocks are remembered, in request timeouts: far longer
/// than any request, repair or handoff delivery stays in flight.
constexpr int reaped_memory_timeouts = 30;

struct router_state {
  static inline const char* name = "dkv.request_router";
  router_config cfg;
  std::shared_ptr<spdlog::logger> log;
  /// The gossiper's latest word on the ring and the usable peers.
  cluster_view view;
  std::map<uint32_t, vnode_actor> vnodes;
  /// Answer replica reads of open partitions (actors/replica_reader.hpp),
  /// in turn.
  std::vector<replica_reader_actor> readers;
  size_t next_reader = 0;
  /// Which replica reads the network reader may answer itself, and the
  /// reader (actors/network_reader.hpp; none without a middleman or a
  /// record cache).
  std::shared_ptr<detail::read_gate> read_gate;
  replica_reader_actor network_reader;
  std::shared_ptr<network_reader_stats> network_stats;
  caf::actor handoff;
  std::shared_ptr<storage::hint_store> hints;
  caf::actor gossip;
  caf::actor entropy;
  caf::actor transfers;
  /// The group commit of durable writes; none with durability "none".
  log_flusher_actor log_flusher;
  std::shared_ptr<log_flush_stats> flush_stats;
  /// Partitions this node stopped replicating: replica requests for them
  /// are refused until then, so a coordinator with an older ring cannot
  /// write a copy that is about to be dropped (or read an empty one).
  std::map<uint32_t, caf::actor_clock::time_point> retired_until;
  /// Fault injection (isolate_request_v1): peers' requests are refused
  /// until then, as if the network were cut.
  caf::actor_clock::time_point isolated_until{};
  /// Partitions whose vnode is stopping so their database can be dropped.
  std::map<uint32_t, caf::typed_response_promise<bool>> pending_drops;
  std::map<std::string, uint64_t> counters;
  /// Clocks of recently reaped keys by partition, held here or not. A
  /// vnode gets a copy of its partition's when it starts and is told of
  /// every later reap, so what reaches it directly is filtered as well.
  std::map<uint32_t, detail::reaped_memory> reaped_recently;
  /// Writes forwarded to a home replica and not answered yet.
  size_t forwarding = 0;
  /// The gets and puts this node coordinates (actors/get_round.hpp,
  /// put_round.hpp), by id, until each answered and heard from every
  /// replica or reached its deadline.
  std::unordered_map<uint64_t, std::shared_ptr<get_round>> get_rounds;
  std::unordered_map<uint64_t, std::shared_ptr<put_round>> put_rounds;
  uint64_t next_round = 0;
  /// Rounds not answered yet (the load check counts them).
  size_t rounds_unanswered = 0;
  /// Deadlines of all rounds, served by one timer (round_sweep_atom).
  detail::deadline_queue<uint64_t> round_deadlines;
  /// Partitions this node replicates whose vnode is still to start
  /// (open_replicated), and whether one is starting.
  std::vector<uint32_t> to_open;
  bool opening = false;
  /// The outbox carrying replica requests to each peer (peer_outbox.hpp),
  /// with the peer handle it was made for.
  std::map<std::string, std::pair<node_actor, caf::actor>> outboxes;

  const node_settings& settings() const { return cfg.settings; }
  void count(const std::string& what) { ++counters[what]; }

  template <class Rounds>
  static void end_all(Rounds& rounds) {
    auto ending = std::move(rounds);
    rounds.clear();
    for (auto& [id, round] : ending)
      round->deadline();
  }

  ~router_state() {
    // Rounds still waiting answer now, while this state is whole: their
    // clients learn that the request did not complete here.
    end_all(get_rounds);
    end_all(put_rounds);
    // The vnodes live as long as the router that spawned them.
    for (auto& [partition, vnode] : vnodes)
      caf::anon_send_exit(vnode, caf::exit_reason::user_shutdown);
    for (auto& reader : readers)
      caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
    if (network_reader)
      caf::anon_send_exit(network_reader, caf::exit_reason::user_shutdown);
    for (auto& [name, outbox] : outboxes)
      caf::anon_send_exit(outbox.second, caf::exit_reason::user_shutdown);
    if (handoff)
      caf::anon_send_exit(handoff, caf::exit_reason::user_shutdown);
    if (gossip)
      caf::anon_send_exit(gossip, caf::exit_reason::user_shutdown);
    if (entropy)
      caf::anon_send_exit(entropy, caf::exit_reason::user_shutdown);
    if (transfers)
      caf::anon_send_exit(transfers, caf::exit_reason::user_shutdown);
    if (log_flusher)
      caf::anon_send_exit(log_flusher, caf::exit_reason::user_shutdown);
  }
};

using router_ptr = caf::stateful_actor<router_state>*;

/// True while fault injection cuts this node off from its peers.
bool isolated(router_ptr self) {
  return self->clock().now() < self->state.isolated_until;
}

/// Opens `partition` to the network reader exactly while a replica read of
/// it needs no more than a lookup: its vnode runs (its database is open),
/// it is not being dropped, and it is not retired.
void refresh_gate(router_ptr self, uint32_t partition) {
  auto& st = self->state;
  st.read_gate->set_open(partition,
                         st.vnodes.count(partition) > 0
                           && st.pending_drops.count(partition) == 0
                           && st.retired_until.count(partition) == 0);
}

caf::error cut_off(router_ptr self) {
  return make_error(dkv_errc::unavailable,
                    self->state.settings().name
                      + " is cut off from its peers (fault injection)");
}

// -- coordination rounds ----------------------------------------------------

using round_sweep_atom = caf::atom_constant<caf::atom("rnd_sweep")>;

/// Calls `deadline` on the round `id` of `rounds`, if it is still there.
template <class Rounds>
bool end_round(Rounds& rounds, uint64_t id) {
  auto i = rounds.find(id);
  if (i == rounds.end())
    return false;
  // A copy: the round's end erases it from the map.
  auto round = i->second;
  round->deadline();
  return true;
}

/// Ends the rounds whose time is up.
void sweep_round_deadlines(router_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  std::optional<caf::actor_clock::time_point> next;
  for (auto id : st.round_deadlines.expire(now, next))
    if (!end_round(st.put_rounds, id))
      end_round(st.get_rounds, id);
  if (next)
    self->delayed_send(self, *next - now, round_sweep_atom::value);
}

/// Coordinates a get or put in this router (no actor per request), serving
/// its deadline with the router's one timer.
template <class Round, class Config>
void start_round(router_ptr self,
                 std::unordered_map<uint64_t, std::shared_ptr<Round>>& rounds,
                 Config cfg) {
  auto& st = self->state;
  auto id = ++st.next_round;
  auto due = self->clock().now() + cfg.timeout;
  ++st.rounds_unanswered;
  cfg.finish = [self, finish = std::move(cfg.finish)](
                 caf::expected<object> result) {
    --self->state.rounds_unanswered;
    finish(std::move(result));
  };
  auto round = std::make_shared<Round>(
    self, std::move(cfg), [&rounds, id] { rounds.erase(id); });
  rounds.emplace(id, round);
  if (auto at = st.round_deadlines.add(due, id))
    self->delayed_send(self, *at - self->clock().now(),
                       round_sweep_atom::value);
  round->start();
}

// -- placement ----------------------------------------------------------------

/// Drops what a recent reap of the partition covered from `incoming`.
void forget_reaped(router_ptr self, uint32_t partition, object& incoming,
                   caf::actor_clock::time_point now) {
  auto& memory = self->state.reaped_recently;
  if (auto i = memory.find(partition); i != memory.end())
    i->second.filter(incoming, now);
}

vnode_actor vnode_for(router_ptr self, uint32_t partition) {
  auto& st = self->state;
  if (auto i = st.vnodes.find(partition); i != st.vnodes.end())
    return i->second;
  if (st.pending_drops.count(partition) > 0)
    return vnode_actor{}; // requests to a null handle fail at once
  vnode_config vcfg;
  vcfg.partition = partition;
  vcfg.store = st.cfg.store;
  vcfg.self = st.cfg.incarnation;
  vcfg.max_clock_entries = st.settings().max_clock_entries;
  vcfg.wall_clock_ms = st.cfg.wall_clock_ms;
  vcfg.reaped_memory = st.settings().request_timeout * reaped_memory_timeouts;
  if (auto i = st.reaped_recently.find(partition);
      i != st.reaped_recently.end())
    vcfg.reaped = i->second;
  vcfg.log_flusher = st.log_flusher;
  vcfg.sync_every_write = st.settings().durability == sync_policy::all;
  auto handle = self->system().spawn(vnode, std::move(vcfg));
  self->monitor(handle);
  st.vnodes.emplace(partition, handle);
  refresh_gate(self, partition);
  return handle;
}

/// The published actor of `name`, null if unknown or unreachable now.
node_actor peer_handle(router_ptr self, const std::string& name) {
  auto& usable = self->state.view.usable;
  auto i = usable.find(name);
  return i != usable.end() ? i->second : node_actor{};
}

/// The outbox for replica requests to `peer` (node `name`), null when each
/// request goes in its own message (dkv.peer-window=0).
caf::actor outbox_for(router_ptr self, const std::string& name,
                      const node_actor& peer) {
  auto& st = self->state;
  if (st.settings().peer_window == 0)
    return {};
  auto i = st.outboxes.find(name);
  if (i != st.outboxes.end()) {
    if (i->second.first == peer)
      return i->second.second;
    // A new connection: what the old outbox still holds fails.
    caf::anon_send_exit(i->second.second, caf::exit_reason::user_shutdown);
    st.outboxes.erase(i);
  }
  peer_outbox_config cfg;
  cfg.peer = peer;
  cfg.in_flight = st.settings().peer_window;
  cfg.batch = st.settings().peer_batch;
  cfg.timeout = st.settings().request_timeout;
  auto outbox = spawn_peer_outbox(self->system(), std::move(cfg));
  self->monitor(outbox);
  st.outboxes.emplace(name, std::make_pair(peer, outbox));
  return outbox;
}

/// The replicas of a partition for one request (paper §4.6, sloppy quorum):
/// walking the extended preference list, the first N reachable nodes; each
/// reachable fallback stands in for one unreachable home replica, in order.
std::vector<replica_target> replicas(router_ptr self, uint32_t partition) {
  auto& st = self->state;
  auto& me = st.settings().name;
  auto n = st.settings().n;
  auto walk = detail::extended_preference_list(st.view.ring, partition);
  std::vector<replica_target> result;
  std::vector<std::string> absent; // unreachable home replicas, in order
  size_t covered = 0;
  for (size_t i = 0; i < walk.size() && result.size() < n; ++i) {
    auto& name = walk[i];
    bool home = i < n;
    replica_target t{name, vnode_actor{}, {}, {}, {}};
    if (name == me) {
      t.handle = vnode_for(self, partition);
      t.hint_handle = st.handoff;
    } else if (auto peer = peer_handle(self, name)) {
      t.handle = caf::actor_cast<vnode_actor>(peer);
      t.hint_handle = caf::actor_cast<caf::actor>(peer);
      t.outbox = outbox_for(self, name, peer);
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
    result.push_back(
      replica_target{absent[covered], vnode_actor{}, {}, {}, {}});
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

/// Refuses a client request while the node has as many in flight as it
/// may: a fast `overloaded` the client can back off on, instead of queues
/// and coordinators that grow until the node runs out of memory.
caf::error check_load(router_ptr self) {
  auto& st = self->state;
  auto in_flight = st.rounds_unanswered + st.forwarding;
  if (in_flight < st.settings().max_requests_in_flight)
    return caf::none;
  st.count("requests.overloaded");
  return make_error(dkv_errc::overloaded,
                    std::to_string(in_flight)
                      + " requests in flight (dkv.max-requests-in-flight)");
}

caf::error check_ring(router_ptr self) {
  auto& view = self->state.view;
  if (view.ring.version == 0)
    return make_error(dkv_errc::unavailable, view.forming.empty()
                                               ? "the ring is not formed yet"
                                               : view.forming);
  return caf::none;
}

// -- writes -------------------------------------------------------------------

template <class Reply>
Reply make_write_reply(const object& stored, replica_id incarnation) {
  Reply reply;
  reply.context
    = encode_context(detail::own_written_context(stored, incarnation));
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
  ++self->state.forwarding;
  self->request(target, self->state.settings().request_timeout * 2, req)
    .then(
      [self, rp](Reply& reply) mutable {
        --self->state.forwarding;
        rp.deliver(std::move(reply));
      },
      [self, req, rp, candidates, index](caf::error& err) mutable {
        --self->state.forwarding;
        if (dkv_code(err) != dkv_errc::none) {
          rp.deliver(std::move(err)); // the coordinator's verdict
          return;
        }
        if (err == caf::sec::request_timeout) {
          // It may be writing still: a retry elsewhere would store the
          // value a second time under another dot (the simulation saw the
          // duplicate sibling). The client decides.
          rp.deliver(make_error(dkv_errc::timeout,
                                "the replica the write was forwarded to "
                                "did not answer in time; it may have "
                                "been written"));
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
  if (auto err = check_load(self))
    return err;
  auto partition = partition_of_key(self, req.key);
  auto targets = replicas(self, partition);
  auto rp = self->make_response_promise<Reply>();
  // A home replica coordinates (clocks gain entries only from owners);
  // another node forwards to the first reachable one. Only when no home
  // replica is reachable does a substitute coordinate (always writable).
  auto is_home
    = [](const replica_target& t) { return t.hint_for.empty() && t.handle; };
  auto me = std::find_if(targets.begin(), targets.end(),
                         [&](auto& t) { return t.node == st.settings().name; });
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
  put_round_config cfg;
  cfg.targets = std::move(targets);
  cfg.w = req.w != 0 ? req.w : st.settings().w;
  cfg.timeout = st.settings().request_timeout;
  cfg.write.partition = partition;
  cfg.write.key = req.key;
  cfg.write.context = std::move(*context);
  cfg.write.tombstone = value == nullptr;
  if (value)
    cfg.write.value = *value;
  if (st.settings().durability == sync_policy::one) {
    // The group commit's fsync overlaps the replicas' round trip.
    cfg.flusher = st.log_flusher;
    cfg.write.sync = !cfg.flusher;
  }
  // While the partition moves, its gainers get every write too (not counted
  // toward W): together with the stream they miss nothing (paper §4.9).
  if (in_transition(st.view.ring) && st.view.ring.moved[partition] == 0)
    for (auto& name : detail::gainers(st.view.ring, partition,
                                      st.settings().n))
      if (auto peer = peer_handle(self, name))
        cfg.pending.push_back(replica_target{
          name, caf::actor_cast<vnode_actor>(peer), {}, {}, {}});
  st.count(value ? "puts.coordinated" : "dels.coordinated");
  cfg.finish
    = [rp, me = st.cfg.incarnation](caf::expected<object> result) mutable {
        if (result)
          rp.deliver(make_write_reply<Reply>(*result, me));
        else
          rp.deliver(std::move(result.error()));
      };
  start_round(self, st.put_rounds, std::move(cfg));
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
  if (auto err = check_load(self))
    return err;
  auto rp = self->make_response_promise<get_reply_v1>();
  get_round_config cfg;
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
  cfg.on_repair = [self](const std::string&) {
    self->state.count("read_repairs");
  };
  start_round(self, st.get_rounds, std::move(cfg));
  return rp;
}

// -- client-driven coordination ----------------------------------------------

/// The ring as preference lists, with every member's address and status
/// from the gossiper: all a client needs to send reads straight to the
/// replicas (paper §6.4).
caf::result<routing_reply_v1> routing_table(router_ptr self) {
  auto& st = self->state;
  routing_reply_v1 reply;
  auto& ring = st.view.ring;
  reply.ring_version = ring.version;
  reply.in_transition = in_transition(ring);
  reply.partitions = st.settings().partitions;
  reply.n = st.settings().n;
  reply.r = st.settings().r;
  reply.w = st.settings().w;
  reply.max_key_bytes
    = static_cast<uint32_t>(st.settings().limits.max_key_bytes);
  reply.max_value_bytes = st.settings().limits.max_value_bytes;
  for (uint32_t p = 0; p < reply.partitions; ++p)
    reply.preference_lists.push_back(
      detail::preference_list(ring, p, reply.n));
  auto rp = self->make_response_promise<routing_reply_v1>();
  self->request(st.gossip, st.settings().request_timeout, members_request_v1{})
    .then(
      [rp, reply](members_reply_v1& members) mutable {
        reply.members = std::move(members.members);
        rp.deliver(std::move(reply));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// Starts the next vnode of `to_open` once the previous one has started.
void open_next(router_ptr self) {
  auto& st = self->state;
  while (!st.to_open.empty()) {
    auto partition = st.to_open.back();
    st.to_open.pop_back();
    if (st.vnodes.count(partition) > 0
        || st.pending_drops.count(partition) > 0)
      continue;
    // A vnode answers once its start (open, tree) is done.
    self
      ->request(vnode_for(self, partition), caf::infinite,
                vnode_tree_v1{partition, 0, {}})
      .then([self](vnode_tree_reply_v1&) { open_next(self); },
            [self](caf::error&) { open_next(self); });
    return;
  }
  st.opening = false;
}

/// Starts the vnodes of the partitions this node replicates, one at a
/// time: a vnode's start opens its database (creating one syncs) and reads
/// all of it into its Merkle tree. Left to the first requests, that made
/// them wait, and many at once took every scheduler thread of the node
/// long enough for its peers to suspect it.
void open_replicated(router_ptr self) {
  auto& st = self->state;
  if (st.view.ring.version == 0)
    return;
  st.to_open.clear();
  for (uint32_t p = st.settings().partitions; p-- > 0;) {
    auto list = detail::preference_list(st.view.ring, p, st.settings().n);
    if (st.vnodes.count(p) == 0
        && std::count(list.begin(), list.end(), st.settings().name) > 0)
      st.to_open.push_back(p);
  }
  if (!st.opening) {
    st.opening = true;
    open_next(self);
  }
}

// -- tombstone reaping -------------------------------------------------------

/// True if this node has a copy of `partition` (without creating one).
bool holds_partition(router_ptr self, uint32_t partition) {
  auto& st = self->state;
  if (st.vnodes.count(partition) > 0)
    return true;
  auto existing = st.cfg.store->engine().partitions();
  return std::find(existing.begin(), existing.end(), partition)
         != existing.end();
}

/// This node's copies of some keys and its hints of their partition, for a
/// reaper deciding whether a tombstone is everywhere and nothing older is
/// anywhere (actors/tombstone_reaper.hpp). Reads the store directly: the
/// reap itself re-checks each hash inside the vnode.
caf::result<reap_answer_v1> answer_reap_query(router_ptr self,
                                              const reap_query_v1& req) {
  auto& st = self->state;
  if (req.partition >= st.settings().partitions)
    return bad_partition(req.partition);
  reap_answer_v1 answer;
  answer.hashes.resize(req.keys.size(), 0);
  if (auto res = st.hints->count_partition(req.partition, answer.hints_pending);
      !res.ok())
    return make_error(dkv_errc::storage_failure, res.message);
  if (!holds_partition(self, req.partition))
    return answer;
  if (st.vnodes.count(req.partition) == 0)
    vnode_for(self, req.partition); // opens the partition's database
  for (size_t i = 0; i < req.keys.size(); ++i) {
    object stored;
    if (auto res = st.cfg.store->get(req.partition, req.keys[i], stored);
        !res.ok())
      return make_error(dkv_errc::storage_failure, res.message);
    answer.hashes[i] = detail::object_hash(stored);
  }
  return answer;
}

std::string reaped_meta_key(uint32_t partition) {
  return "reaped.v1." + std::to_string(partition);
}

/// Writes the partition's reaped memory to disk: a restart must not forget
/// a reap while an older version may still arrive. A failure (a full disk)
/// only shortens the memory to this run, so it is logged, not fatal.
void persist_reaped(router_ptr self, uint32_t partition,
                    caf::actor_clock::time_point now) {
  auto& st = self->state;
  auto record = detail::to_record(st.reaped_recently[partition], now);
  std::vector<char> buf;
  caf::binary_serializer sink{self->system(), buf};
  if (auto err = sink(record)) {
    st.log->error("reap.persist_failed partition={} error=\"{}\"", partition,
                  self->system().render(err));
    return;
  }
  auto res = st.cfg.store->engine().put_meta(
    reaped_meta_key(partition), std::string{buf.begin(), buf.end()});
  if (!res.ok())
    st.log->error("reap.persist_failed partition={} error=\"{}\"", partition,
                  res.message);
}

/// What earlier runs remembered of recent reaps.
void load_reaped(router_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  for (uint32_t p = 0; p < st.settings().partitions; ++p) {
    std::string text;
    if (!st.cfg.store->engine().get_meta(reaped_meta_key(p), text).ok())
      continue;
    std::vector<char> buf{text.begin(), text.end()};
    caf::binary_deserializer source{self->system(), buf};
    detail::reaped_record record;
    if (auto err = source(record)) {
      st.log->error("reap.load_failed partition={} error=\"{}\"", p,
                    self->system().render(err));
      continue;
    }
    detail::restore(st.reaped_recently[p], record, now);
  }
}

/// Every node the reaper asked remembers the reaped clocks, holding a copy
/// or not: a version older than the reap may still be on its way here.
void remember_reaped(router_ptr self, const vnode_reap_v1& req) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto& memory = st.reaped_recently[req.partition];
  memory.expire(now);
  auto until = now + st.settings().request_timeout * reaped_memory_timeouts;
  for (size_t i = 0; i < req.keys.size() && i < req.clocks.size(); ++i)
    memory.remember(req.keys[i], req.clocks[i], until);
  persist_reaped(self, req.partition, now);
}

// -- partition transfer, target side -----------------------------------------

/// Whether this node gains `partition` in the transition of `version`.
caf::error check_gainer(router_ptr self, uint32_t partition,
                        uint64_t version) {
  auto& st = self->state;
  if (isolated(self))
    return cut_off(self);
  auto& ring = st.view.ring;
  if (partition >= st.settings().partitions)
    return bad_partition(partition);
  if (ring.version < version)
    return make_error(dkv_errc::unavailable,
                      "ring version " + std::to_string(version)
                        + " is not known here yet");
  auto gain = detail::gainers(ring, partition, st.settings().n);
  if (ring.version != version
      || std::find(gain.begin(), gain.end(), st.settings().name) == gain.end())
    return make_error(dkv_errc::wrong_node,
                      st.settings().name + " does not gain partition "
                        + std::to_string(partition) + " in ring version "
                        + std::to_string(version));
  return caf::none;
}

caf::result<transfer_accept_v1> on_offer(router_ptr self,
                                         const transfer_offer_v1& req) {
  auto& st = self->state;
  if (auto err = check_gainer(self, req.partition, req.ring_version))
    return err;
  transfer_accept_v1 accept;
  std::string text;
  transfer_progress progress;
  if (st.cfg.store->engine().get_meta(transfer_meta_key(req.partition), text)
        .ok()
      && decode(text, progress) && progress.ring_version == req.ring_version) {
    accept.complete = progress.complete;
    accept.resume = !progress.complete;
    accept.resume_after = std::move(progress.last_key);
  }
  st.log->info("transfer.offered partition={} version={} source={} "
               "complete={} resume={}",
               req.partition, req.ring_version, req.source, accept.complete,
               accept.resume);
  vnode_for(self, req.partition); // opens the partition's database
  return accept;
}

caf::result<transfer_confirm_v1> on_transfer_done(router_ptr self,
                                                  const transfer_done_v1& req) {
  auto& st = self->state;
  if (auto err = check_gainer(self, req.partition, req.ring_version))
    return err;
  auto& engine = st.cfg.store->engine();
  auto done = encode(transfer_progress{req.ring_version, true, {}});
  if (auto res = engine.put_meta(transfer_meta_key(req.partition), done);
      !res.ok())
    return to_error(res);
  // The flip that follows makes this copy a primary: it must survive a
  // power loss whatever the durability setting. The flushed log makes every
  // commit durable; a checkpoint (sync) would only stall the router.
  if (auto res = engine.flush_log(); !res.ok())
    return to_error(res);
  st.log->info("transfer.received partition={} version={} keys={}",
               req.partition, req.ring_version, req.keys);
  return transfer_confirm_v1{req.keys};
}

/// Replica requests for a partition this node retired are refused, except
/// the local copy a substitute's handoff queue writes with a hint.
caf::error refused(router_ptr self, uint32_t partition) {
  auto& st = self->state;
  if (isolated(self))
    return cut_off(self);
  auto i = st.retired_until.find(partition);
  if (i == st.retired_until.end())
    return caf::none;
  auto mine = [&](const std::vector<std::string>& names) {
    return std::find(names.begin(), names.end(), st.settings().name)
           != names.end();
  };
  auto& ring = st.view.ring;
  auto n = st.settings().n;
  bool expired = i->second < self->clock().now();
  // A later change may give the partition back (a gainer again).
  bool wanted = mine(detail::preference_list(ring, partition, n))
                || mine(detail::gainers(ring, partition, n));
  if ((expired || wanted) && st.pending_drops.count(partition) == 0) {
    st.retired_until.erase(i);
    refresh_gate(self, partition);
    return caf::none;
  }
  if (self->current_sender() == st.handoff && st.pending_drops.count(partition) == 0)
    return caf::none;
  return make_error(dkv_errc::wrong_node,
                    "partition " + std::to_string(partition)
                      + " moved away from " + st.settings().name);
}

bool on_retire(router_ptr self, uint32_t partition) {
  auto& st = self->state;
  st.retired_until[partition]
    = self->clock().now() + st.settings().request_timeout * 30;
  refresh_gate(self, partition);
  st.log->info("partition.retiring partition={}", partition);
  return true;
}

/// Drops the partition's database and answers the pending drop request.
void finish_drop(router_ptr self, uint32_t partition) {
  auto& st = self->state;
  auto i = st.pending_drops.find(partition);
  if (i == st.pending_drops.end())
    return;
  auto rp = i->second;
  st.pending_drops.erase(i);
  refresh_gate(self, partition);
  auto res = st.cfg.store->engine().drop_partition(partition);
  if (!res.ok())
    rp.deliver(to_error(res));
  else
    rp.deliver(true);
}

/// The vnode a replica merge goes to, after the checks it gets alone or in
/// a batch.
caf::expected<vnode_actor> merge_vnode(router_ptr self, vnode_merge_v1& req) {
  if (req.partition >= self->state.settings().partitions)
    return bad_partition(req.partition);
  if (auto err = refused(self, req.partition))
    return err;
  forget_reaped(self, req.partition, req.incoming, self->clock().now());
  return vnode_for(self, req.partition);
}

/// A peer's batch of merges answered once each has its own answer, in
/// order: the merged objects (vnode_merge_batch_v1).
struct merged_objects {
  vnode_objects_v1 reply;
  size_t left = 0;
  caf::typed_response_promise<vnode_objects_v1> promise;
  void answer(size_t i, caf::expected<object> x) {
    if (x) {
      reply.stored[i] = std::move(*x);
    } else {
      reply.failures.resize(reply.stored.size());
      reply.failures[i] = std::move(x.error());
    }
    if (--left == 0)
      promise.deliver(std::move(reply));
  }
};

/// The same, answered with which merges failed (vnode_merge_batch_v2).
struct merge_acks {
  vnode_merge_acks_v1 reply;
  size_t left = 0;
  caf::typed_response_promise<vnode_merge_acks_v1> promise;
  void answer(size_t i, caf::expected<object> x) {
    if (!x) {
      reply.failures.resize(reply.merges);
      reply.failures[i] = std::move(x.error());
    }
    if (--left == 0)
      promise.deliver(std::move(reply));
  }
};

/// Starts gathering the answers to a peer's batch of `n` merges.
template <class Gathering>
std::shared_ptr<Gathering> gather_merges(router_ptr self, size_t n) {
  auto& st = self->state;
  // Merges per batch tell how much the coordinators' outboxes save.
  st.count("replica_merges.batches");
  st.counters["replica_merges.batched"] += n;
  auto g = std::make_shared<Gathering>();
  g->left = n;
  g->promise = self->make_response_promise<decltype(g->reply)>();
  return g;
}

/// Merge `i` of a batch goes to its vnode as if it had come alone.
template <class Gathering>
void merge_one(router_ptr self, const std::shared_ptr<Gathering>& g,
               size_t i, vnode_merge_v1 merge) {
  auto vnode = merge_vnode(self, merge);
  if (!vnode) {
    g->answer(i, std::move(vnode.error()));
    return;
  }
  self->request(*vnode, caf::infinite, std::move(merge))
    .then([g, i](vnode_object_v1& x) { g->answer(i, std::move(x.stored)); },
          [g, i](caf::error& err) { g->answer(i, std::move(err)); });
}

caf::result<vnode_objects_v1> merge_batch(router_ptr self,
                                          vnode_merge_batch_v1& batch) {
  auto n = batch.merges.size();
  if (n == 0)
    return vnode_objects_v1{};
  auto g = gather_merges<merged_objects>(self, n);
  g->reply.stored.resize(n);
  for (size_t i = 0; i < n; ++i)
    merge_one(self, g, i, std::move(batch.merges[i]));
  return g->promise;
}

/// As merge_batch; a record that does not decode fails its own merge.
caf::result<vnode_merge_acks_v1> merge_records(router_ptr self,
                                               vnode_merge_batch_v2& batch) {
  auto n = batch.merges.size();
  if (n == 0)
    return vnode_merge_acks_v1{};
  auto g = gather_merges<merge_acks>(self, n);
  g->reply.merges = static_cast<uint32_t>(n);
  for (size_t i = 0; i < n; ++i) {
    auto& merge = batch.merges[i];
    auto incoming = storage::decode_record(merge.key, merge.record);
    if (!incoming)
      g->answer(i, make_error(dkv_errc::invalid_argument,
                              "the record of a merge does not decode"));
    else
      merge_one(self, g, i,
                vnode_merge_v1{merge.partition, std::move(*incoming),
                               merge.sync});
  }
  return g->promise;
}

/// True if `partition`'s database is open and not being dropped.
bool open_for_reads(router_ptr self, uint32_t partition) {
  auto& st = self->state;
  return st.vnodes.count(partition) > 0
         && st.pending_drops.count(partition) == 0;
}

replica_reader_actor next_reader(router_ptr self) {
  auto& st = self->state;
  return st.readers[st.next_reader++ % st.readers.size()];
}

/// The reader for a replica read of `partition` if its database is open
/// and not being dropped; null when its vnode must answer (and open it).
/// Measured on a 2-core loopback cluster, workload B at 50 outstanding:
/// read p99.9 6.3-11.7 ms when the vnodes answered every read, 5.5-6.8 ms
/// with readers.
replica_reader_actor reader_for(router_ptr self, uint32_t partition) {
  if (self->state.readers.empty() || !open_for_reads(self, partition))
    return {};
  return next_reader(self);
}

/// A reader for a batch of replica reads if every one of them is a plain
/// lookup in an open partition; null otherwise, and the sender reads them
/// one by one (each then refused, or answered by its vnode, as alone).
replica_reader_actor reader_for(router_ptr self,
                                const std::vector<vnode_get_v1>& reads) {
  auto& st = self->state;
  if (st.readers.empty() || isolated(self))
    return {};
  for (auto& read : reads)
    if (read.partition >= st.settings().partitions
        || st.retired_until.count(read.partition) > 0
        || !open_for_reads(self, read.partition))
      return {};
  return next_reader(self);
}

/// The reader for a batch of replica reads, counted; null if the batch is
/// refused (see above).
replica_reader_actor reader_for_batch(router_ptr self,
                                      const std::vector<vnode_get_v1>& reads) {
  auto& st = self->state;
  if (auto reader = reader_for(self, reads)) {
    // Reads per batch tell how much a client's window saves.
    st.count("replica_reads.batches");
    st.counters["replica_reads.batched"] += reads.size();
    return reader;
  }
  st.count("replica_reads.batches_refused");
  return {};
}

caf::error read_one_by_one() {
  return make_error(dkv_errc::unavailable, "read these keys one by one");
}

replica_reader_actor spawn_reader(router_ptr self) {
  replica_reader_config rcfg;
  rcfg.store = self->state.cfg.store;
  auto reader = spawn_replica_reader(self->system(), std::move(rcfg));
  self->monitor(reader);
  return reader;
}

/// The network reader, when the node has a network (a middleman) and
/// records to read there; none otherwise.
replica_reader_actor spawn_network_reader(router_ptr self) {
  auto& st = self->state;
  if (!st.cfg.cache || !self->system().has_middleman())
    return {};
  network_reader_config ncfg;
  ncfg.cache = st.cfg.cache;
  ncfg.gate = st.read_gate;
  ncfg.router = caf::actor_cast<replica_reader_actor>(self);
  ncfg.stats = st.network_stats;
  auto reader = spawn_network_reader(self->system(), std::move(ncfg));
  self->monitor(reader);
  return reader;
}

caf::result<bool> on_drop(router_ptr self, uint32_t partition) {
  auto& st = self->state;
  if (st.pending_drops.count(partition) > 0)
    return make_error(dkv_errc::unavailable, "a drop is in progress");
  auto rp = self->make_response_promise<bool>();
  st.pending_drops.emplace(partition, rp);
  refresh_gate(self, partition);
  if (auto i = st.vnodes.find(partition); i != st.vnodes.end()) {
    // Dropped once the vnode is gone (down handler): no request of it may
    // still touch the database.
    caf::anon_send_exit(i->second, caf::exit_reason::user_shutdown);
    return rp;
  }
  finish_drop(self, partition);
  return rp;
}
// -- introspection ------------------------------------------------------------

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
  add("ring", st.view.ring.version == 0      ? "forming"
             : in_transition(st.view.ring) ? "moving"
                                           : "ready");
  add("ring.partitions_moving",
      std::to_string(detail::partitions_moving(st.view.ring)));
  add("ring.version", std::to_string(st.view.ring.version));
  add("ring.members", std::to_string(st.view.ring.members.size()));
  add("peers.usable", std::to_string(st.view.usable.size()));
  add("vnodes", std::to_string(st.vnodes.size()));
  // Requests coordinated here that still wait for an answer or a replica.
  add("gets.in_flight", std::to_string(st.get_rounds.size()));
  add("puts.in_flight", std::to_string(st.put_rounds.size()));
  if (st.network_reader) {
    // Replica reads answered on the network thread from the record cache,
    // and those it passed on to this router.
    add("network_reads.answered",
        std::to_string(st.network_stats->answered.load()));
    add("network_reads.passed_on",
        std::to_string(st.network_stats->passed_on.load()));
    add("network_reads.batches",
        std::to_string(st.network_stats->batches.load()));
    add("network_reads.batched",
        std::to_string(st.network_stats->batched.load()));
  }
  if (auto& cache = st.cfg.cache) {
    add("record_cache.hits", std::to_string(cache->hits()));
    add("record_cache.misses", std::to_string(cache->misses()));
    add("record_cache.entries", std::to_string(cache->entries()));
    add("record_cache.bytes", std::to_string(cache->bytes()));
  }
  // What this node stores versus what it replicates: they differ while a
  // transition moves partitions, or while a substitute's copy awaits
  // retirement (actors/transfer_manager.hpp).
  auto held = st.cfg.store->engine().partitions();
  add("partitions.held",
      std::to_string(std::count_if(held.begin(), held.end(), [&](uint32_t p) {
        return p < st.settings().partitions; // not the hint database
      })));
  uint32_t replicated = 0;
  if (st.view.ring.version != 0)
    for (uint32_t p = 0; p < st.settings().partitions; ++p) {
      auto list = detail::preference_list(st.view.ring, p, st.settings().n);
      replicated += std::count(list.begin(), list.end(), st.settings().name);
    }
  add("partitions.replicated", std::to_string(replicated));
  if (auto& flushes = st.flush_stats) {
    // Writes per flush tell how well durable writes share an fsync.
    add("log.flushes", std::to_string(flushes->flushes.load()));
    add("log.flushed_writes", std::to_string(flushes->writes.load()));
    add("log.flush_failures", std::to_string(flushes->failures.load()));
  }
  for (auto& [name, value] : st.counters)
    add(name, std::to_string(value));
  return reply;
}

caf::behavior request_router(router_ptr self, router_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.log = logger("router");
  st.round_deadlines = detail::deadline_queue<uint64_t>{
    st.settings().request_timeout / 10};
  load_reaped(self);
  handoff_config hcfg;
  hcfg.store = st.cfg.store;
  st.hints = std::make_shared<storage::hint_store>(st.cfg.store->engine());
  hcfg.hints = st.hints;
  hcfg.router = caf::actor_cast<caf::actor>(self);
  hcfg.interval = st.settings().connect_retry;
  hcfg.request_timeout = st.settings().request_timeout;
  st.handoff = spawn_handoff_queue(self->system(), std::move(hcfg));
  self->monitor(st.handoff);
  entropy_config ecfg;
  ecfg.settings = st.cfg.settings;
  ecfg.router = caf::actor_cast<caf::actor>(self);
  st.entropy = spawn_entropy_manager(self->system(), std::move(ecfg));
  self->monitor(st.entropy);
  gossiper_config gcfg;
  gcfg.settings = st.cfg.settings;
  gcfg.store = st.cfg.store;
  gcfg.incarnation = st.cfg.incarnation;
  gcfg.router = caf::actor_cast<caf::actor>(self);
  gcfg.handoff = st.handoff;
  gcfg.connector = st.cfg.connector;
  gcfg.seed = st.cfg.seed;
  st.gossip = spawn_gossiper(self->system(), std::move(gcfg));
  self->monitor(st.gossip);
  transfer_manager_config tcfg;
  tcfg.settings = st.cfg.settings;
  tcfg.store = st.cfg.store;
  tcfg.hints = st.hints;
  tcfg.router = caf::actor_cast<caf::actor>(self);
  tcfg.gossiper = st.gossip;
  st.transfers = spawn_transfer_manager(self->system(), std::move(tcfg));
  self->monitor(st.transfers);
  if (st.settings().durability != sync_policy::none) {
    st.flush_stats = std::make_shared<log_flush_stats>();
    st.log_flusher = spawn_log_flusher(self->system(),
                                       {st.cfg.store, true, st.flush_stats});
    self->monitor(st.log_flusher);
  }
  auto readers = std::max<size_t>(1, self->system().scheduler().num_workers());
  for (size_t i = 0; i < readers; ++i)
    st.readers.push_back(spawn_reader(self));
  st.read_gate = st.cfg.read_gate;
  if (!st.read_gate)
    st.read_gate
      = std::make_shared<detail::read_gate>(st.settings().partitions);
  st.network_stats = std::make_shared<network_reader_stats>();
  st.network_reader = spawn_network_reader(self);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    for (auto& reader : st.readers)
      if (reader.address() == msg.source) {
        st.log->error("replica_reader.down reason=\"{}\"",
                      self->system().render(msg.reason));
        reader = spawn_reader(self);
        return;
      }
    if (st.network_reader && st.network_reader.address() == msg.source) {
      // Clients holding the old handle get errors and ask again.
      st.log->error("network_reader.down reason=\"{}\"",
                    self->system().render(msg.reason));
      st.network_reader = spawn_network_reader(self);
      return;
    }
    for (auto i = st.outboxes.begin(); i != st.outboxes.end(); ++i)
      if (i->second.second.address() == msg.source) {
        st.outboxes.erase(i); // the peer's connection was lost
        return;
      }
    for (auto i = st.vnodes.begin(); i != st.vnodes.end(); ++i)
      if (i->second.address() == msg.source) {
        auto partition = i->first;
        st.vnodes.erase(i); // respawned (reopening its database) on next use
        refresh_gate(self, partition);
        if (st.pending_drops.count(partition) > 0) {
          finish_drop(self, partition);
          return;
        }
        st.log->error("vnode.down partition={} reason=\"{}\"", partition,
                      self->system().render(msg.reason));
        return;
      }
    if (msg.source == st.handoff.address() || msg.source == st.gossip.address()
        || msg.source == st.entropy.address()
        || msg.source == st.transfers.address()
        || msg.source == st.log_flusher.address()) {
      // Without its handoff queue the node would silently stop delivering
      // hints, without its gossiper it would route by a frozen view, without
      // its entropy manager replicas would stop converging, without its
      // log flusher no durable write would be answered: fail, so the
      // supervisor restarts the router (and all of them).
      auto who = msg.source == st.gossip.address()     ? "gossiper"
                 : msg.source == st.handoff.address()  ? "handoff"
                 : msg.source == st.entropy.address()  ? "entropy_manager"
                 : msg.source == st.log_flusher.address() ? "log_flusher"
                                                       : "transfer_manager";
      st.log->error("{}.down reason=\"{}\"", who,
                    self->system().render(msg.reason));
      self->quit(msg.reason ? msg.reason
                            : caf::error{caf::exit_reason::unknown});
    }
  });
  return {
    [self](view_atom, cluster_view& view) {
      auto& st = self->state;
      if (view.ring.version != st.view.ring.version)
        st.log->info("ring.version={} members={}", view.ring.version,
                     view.ring.members.size());
      self->send(st.entropy, view_atom::value, view);
      self->send(st.transfers, view_atom::value, view);
      bool new_ring = view.ring.version != st.view.ring.version;
      st.view = std::move(view);
      if (new_ring)
        open_replicated(self);
    },
    [self](aae_request_v1& req) {
      return self->delegate(self->state.entropy, std::move(req));
    },
    [self](round_sweep_atom) { sweep_round_deadlines(self); },
    [self](get_request_v1& req) { return handle_get(self, req); },
    [self](put_request_v1& req) {
      return handle_write<put_request_v1, put_reply_v1>(self, req, &req.value);
    },
    [self](del_request_v1& req) {
      return handle_write<del_request_v1, del_reply_v1>(self, req, nullptr);
    },
    [self](members_request_v1& req) {
      return self->delegate(self->state.gossip, std::move(req));
    },
    [self](cluster_change_v1& req) {
      return self->delegate(self->state.gossip, std::move(req));
    },
    [self](transfers_request_v1& req) {
      return self->delegate(self->state.transfers, std::move(req));
    },
    [self](isolate_request_v1& req) -> caf::result<isolate_reply_v1> {
      auto& st = self->state;
      if (!st.settings().fault_injection)
        return make_error(dkv_errc::invalid_argument,
                          "fault injection is off on " + st.settings().name
                            + " (dkv.fault-injection)");
      st.isolated_until
        = self->clock().now() + std::chrono::milliseconds(req.millis);
      st.read_gate->close_until(st.isolated_until);
      self->send(st.gossip, req); // stops gossip and heartbeats too
      return isolate_reply_v1{req.millis};
    },
    [self](transfer_offer_v1& req) { return on_offer(self, req); },
    [self](reader_request_v1&) {
      return reader_reply_v1{self->state.network_reader};
    },
    [self](transfer_batch_v1& req) -> caf::result<transfer_batch_ack_v1> {
      if (auto err = check_gainer(self, req.partition, req.ring_version))
        return err;
      auto now = self->clock().now();
      for (auto& x : req.objects)
        forget_reaped(self, req.partition, x, now);
      self->state.count("transfers.batches_received");
      return self->delegate(vnode_for(self, req.partition), std::move(req));
    },
    [self](transfer_done_v1& req) { return on_transfer_done(self, req); },
    [self](retire_atom, uint32_t partition) -> caf::result<vnode_actor> {
      on_retire(self, partition);
      // The retirement's own exchanges talk to the vnode directly: the
      // router now refuses the partition to everyone else.
      if (auto vnode = vnode_for(self, partition))
        return vnode;
      return make_error(dkv_errc::unavailable, "a drop is in progress");
    },
    [self](drop_atom, uint32_t partition) { return on_drop(self, partition); },
    [self](gossip_v1& msg) {
      return self->delegate(self->state.gossip, std::move(msg));
    },
    [self](ring_request_v1&) {
      auto& ring = self->state.view.ring;
      ring_reply_v1 reply{self->state.settings().partitions, {}};
      for (uint32_t p = 0; p < ring.owners.size(); ++p)
        reply.owners.push_back(owners_for(ring, p)[p]);
      return reply;
    },
    [self](routing_request_v1&) -> caf::result<routing_reply_v1> {
      if (auto err = check_ring(self))
        return err;
      return routing_table(self);
    },
    [self](preflist_request_v1& req) -> caf::result<preflist_reply_v1> {
      if (auto err = check_key(self, req.key))
        return err;
      if (auto err = check_ring(self))
        return err;
      auto p = partition_of_key(self, req.key);
      return preflist_reply_v1{
        p, detail::preference_list(self->state.view.ring, p,
                                   self->state.settings().n)};
    },
    [self](status_request_v1&) -> caf::result<status_reply_v1> {
      auto rp = self->make_response_promise<status_reply_v1>();
      auto timeout = self->state.settings().request_timeout;
      // Hints and anti-entropy counters come from their actors; a status
      // without them beats no status.
      self->request(self->state.handoff, timeout, caf::get_atom::value)
        .then(
          [self, rp, timeout](std::vector<hint_count>& counts) mutable {
            auto reply = describe_status(self);
            uint64_t total = 0;
            for (auto& c : counts) {
              total += c.pending;
              reply.stats.push_back(
                {"hints.pending." + c.owner, std::to_string(c.pending)});
            }
            reply.stats.push_back({"hints.pending", std::to_string(total)});
            self->request(self->state.entropy, timeout, caf::get_atom::value)
              .then(
                [self, rp, reply,
                 timeout](std::vector<stat_entry>& aae) mutable {
                  for (auto& x : aae)
                    reply.stats.push_back(std::move(x));
                  self
                    ->request(self->state.transfers, timeout,
                              caf::get_atom::value)
                    .then(
                      [rp, reply](std::vector<stat_entry>& xfer) mutable {
                        for (auto& x : xfer)
                          reply.stats.push_back(std::move(x));
                        rp.deliver(std::move(reply));
                      },
                      [rp, reply](caf::error&) mutable {
                        rp.deliver(std::move(reply));
                      });
                },
                [rp, reply](caf::error&) mutable {
                  rp.deliver(std::move(reply));
                });
          },
          [self, rp](caf::error&) mutable {
            rp.deliver(describe_status(self));
          });
      return rp;
    },
    [self](node_info_request_v1& req) {
      return self->delegate(self->state.gossip, std::move(req));
    },
    [self](vnode_hint_v1& req) -> caf::result<vnode_object_v1> {
      if (req.partition >= self->state.settings().partitions)
        return bad_partition(req.partition);
      if (isolated(self))
        return cut_off(self);
      self->state.count("hints.received");
      forget_reaped(self, req.partition, req.incoming, self->clock().now());
      if (req.incoming.siblings.empty()) // nothing newer than a reap
        return vnode_object_v1{object{req.incoming.key, {}}};
      auto rp = self->make_response_promise<vnode_object_v1>();
      self
        ->request(self->state.handoff, self->state.settings().request_timeout,
                  std::move(req))
        .then([rp](vnode_object_v1& x) mutable { rp.deliver(std::move(x)); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](vnode_get_v1& req) -> caf::result<vnode_object_v1> {
      if (req.partition >= self->state.settings().partitions)
        return bad_partition(req.partition);
      if (auto err = refused(self, req.partition))
        return err;
      if (auto reader = reader_for(self, req.partition))
        return self->delegate(reader, std::move(req));
      return self->delegate(vnode_for(self, req.partition), std::move(req));
    },
    [self](vnode_get_batch_v1& req) -> caf::result<vnode_objects_v1> {
      if (auto reader = reader_for_batch(self, req.reads))
        return self->delegate(reader, std::move(req));
      return read_one_by_one();
    },
    [self](vnode_get_batch_v2& req) -> caf::result<vnode_records_v1> {
      if (auto reader = reader_for_batch(self, req.reads))
        return self->delegate(reader, std::move(req));
      return read_one_by_one();
    },
    [self](vnode_merge_v1& req) -> caf::result<vnode_object_v1> {
      auto vnode = merge_vnode(self, req);
      if (!vnode)
        return std::move(vnode.error());
      return self->delegate(*vnode, std::move(req));
    },
    [self](vnode_merge_batch_v1& req) -> caf::result<vnode_objects_v1> {
      return merge_batch(self, req);
    },
    [self](vnode_merge_batch_v2& req) -> caf::result<vnode_merge_acks_v1> {
      return merge_records(self, req);
    },
    [self](vnode_coordinate_v1& req) -> caf::result<vnode_object_v1> {
      if (req.partition >= self->state.settings().partitions)
        return bad_partition(req.partition);
      if (auto err = refused(self, req.partition))
        return err;
      return self->delegate(vnode_for(self, req.partition), std::move(req));
    },
    [self](reap_query_v1& req) -> caf::result<reap_answer_v1> {
      if (isolated(self))
        return cut_off(self);
      return answer_reap_query(self, req);
    },
    [self](vnode_tombstones_v1& req) -> caf::result<vnode_tombstone_list_v1> {
      if (req.partition >= self->state.settings().partitions)
        return bad_partition(req.partition);
      return self->delegate(vnode_for(self, req.partition), std::move(req));
    },
    [self](vnode_reap_v1& req) -> caf::result<vnode_reaped_v1> {
      if (req.partition >= self->state.settings().partitions)
        return bad_partition(req.partition);
      if (isolated(self))
        return cut_off(self);
      remember_reaped(self, req);
      if (!holds_partition(self, req.partition))
        return vnode_reaped_v1{};
      return self->delegate(vnode_for(self, req.partition), std::move(req));
    },
    [self](vnode_tree_v1& req) -> caf::result<vnode_tree_reply_v1> {
      if (req.partition >= self->state.settings().partitions)
        return bad_partition(req.partition);
      if (auto err = refused(self, req.partition))
        return err;
      return self->delegate(vnode_for(self, req.partition), std::move(req));
    },
    [self](vnode_segments_v1& req) -> caf::result<vnode_key_hashes_v1> {
      if (req.partition >= self->state.settings().partitions)
        return bad_partition(req.partition);
      if (auto err = refused(self, req.partition))
        return err;
      return self->delegate(vnode_for(self, req.partition), std::move(req));
    },
  };
}

} // namespace

caf::actor spawn_request_router(caf::actor_system& sys, router_config cfg) {
  return sys.spawn(request_router, std::move(cfg));
}

} // namespace dkv
