#include "actors/cluster_client.hpp"

#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "caf/all.hpp"

#include "actors/detail/get_quorum.hpp"
#include "actors/detail/given_up_request.hpp"
#include "actors/detail/key_hash.hpp"
#include "actors/node_settings.hpp"
#include "messages/errors.hpp"
#include "messages/node_protocol.hpp"
#include "storage/object_store.hpp"
#include "storage/record_codec.hpp"
#include "transport/transport.hpp"

namespace dkv {

namespace {

struct pending_get;

/// A read message on its way: when it went, and the id of its answer.
struct sent_message {
  caf::actor_clock::time_point at;
  caf::message_id response;
};

/// The read messages on their way to one replica, and the reads waiting
/// for one of them to come back.
struct replica_reads {
  node_actor handle;
  /// The node's network reader (actors/network_reader.hpp), once its
  /// router named one: reads go there, not through the router. Asked for
  /// once per connection.
  replica_reader_actor reader;
  bool reader_asked = false;
  std::vector<std::shared_ptr<pending_get>> waiting;
  /// Messages sent and not answered, by id: those in the window, and reads
  /// of a refused batch sent again one by one, outside it.
  std::map<uint64_t, sent_message> in_flight;
  std::map<uint64_t, sent_message> outside;
};

struct client_state {
  static inline const char* name = "dkv.cluster_client";
  cluster_client_config cfg;
  std::optional<routing_reply_v1> table;
  /// Open connections by the address the node publishes on: the entry
  /// points still connected.
  std::map<std::string, node_actor> connected;
  /// Addresses being connected to, and when each may be tried again.
  std::set<std::string> connecting;
  std::map<std::string, caf::actor_clock::time_point> next_connect;
  caf::actor connector;
  /// Members by name: address, and whether their node reported them up.
  std::map<std::string, member_status> members;
  caf::actor_clock::time_point next_refresh{};
  bool refreshing = false;
  size_t next_relay = 0;
  /// Gets waiting for replicas, by id: their deadlines are checked by one
  /// sweep timer, not a CAF request timeout each (every request timeout
  /// wakes CAF's clock thread twice: a fifth of this actor's CPU at load).
  std::map<uint64_t, std::shared_ptr<pending_get>> open_gets;
  uint64_t next_get = 0;
  bool sweeping = false;
  /// The replica that answered the last read of a key first (by key).
  std::unordered_map<std::string, std::string> fastest_reader;
  /// Replica reads by replica name.
  std::map<std::string, replica_reads> reads;
  uint64_t next_message = 0;
};

using client_ptr = caf::stateful_actor<client_state>*;

/// A connected node, taking turns, to relay to or learn the table from;
/// one the table calls down only when no other is connected (a paused
/// process keeps its connections).
node_actor any_node(client_ptr self) {
  auto& st = self->state;
  if (st.connected.empty())
    return {};
  std::set<std::string> down;
  for (auto& [name, m] : st.members)
    if (m.status == "down")
      down.insert(m.address);
  auto n = st.connected.size();
  auto start = st.next_relay++;
  for (size_t k = 0; k < n; ++k) {
    auto i = st.connected.begin();
    std::advance(i, (start + k) % n);
    if (down.count(i->first) == 0)
      return i->second;
  }
  auto i = st.connected.begin();
  std::advance(i, start % n);
  return i->second;
}

void on_table(client_ptr self, routing_reply_v1& table) {
  auto& st = self->state;
  st.members.clear();
  for (auto& m : table.members)
    st.members[m.name] = m;
  st.table = std::move(table);
}

/// Addresses the client should be connected to: its entry points and the
/// table's members; members the table calls down only while no node is
/// connected (the table may then be stale), so a dead host does not hold
/// up the connector while others serve.
std::set<std::string> wanted_addresses(client_ptr self) {
  auto& st = self->state;
  std::set<std::string> result;
  for (auto& [address, handle] : st.cfg.entry_points)
    result.insert(address);
  for (auto& [name, m] : st.members)
    if (m.status != "down" || st.connected.empty())
      result.insert(m.address);
  return result;
}

void on_connected(client_ptr self, const std::string& address,
                  caf::strong_actor_ptr& ptr,
                  const std::set<std::string>& interface) {
  auto& st = self->state;
  st.connecting.erase(address);
  // Something else may listen there now (a restarted host, a typo'd
  // table): only a dkv node is used.
  if (!ptr || st.connected.count(address) > 0
      || !self->system().assignable<node_actor>(interface))
    return;
  auto node = caf::actor_cast<node_actor>(ptr);
  self->monitor(node);
  st.connected[address] = node;
}

/// Connects to each wanted address the client has no connection to, at
/// most once per reconnect interval: nodes that joined after the client
/// started, and nodes it lost and that came back.
void connect_missing(client_ptr self) {
  auto& st = self->state;
  if (st.cfg.reconnect_interval.count() <= 0 || !st.connector)
    return;
  auto now = self->clock().now();
  for (auto& address : wanted_addresses(self)) {
    if (st.connected.count(address) > 0 || st.connecting.count(address) > 0)
      continue;
    auto& next = st.next_connect[address];
    std::string host;
    uint16_t port = 0;
    if (now < next || !parse_address(address, host, port))
      continue;
    next = now + st.cfg.reconnect_interval;
    st.connecting.insert(address);
    // No timeout: CAF's middleman connects one address at a time, and a
    // host that drops SYNs holds it for minutes. Waiting for its answer
    // keeps one attempt per address queued there, not one per interval.
    self
      ->request(st.connector, caf::infinite, caf::connect_atom::value, host,
                port)
      .then(
        [self, address](const caf::node_id&, caf::strong_actor_ptr& ptr,
                        const std::set<std::string>& interface) {
          on_connected(self, address, ptr, interface);
        },
        [self, address](caf::error&) {
          self->state.connecting.erase(address); // tried again later
        });
  }
}

/// Asks a node for the table when it is older than the refresh interval,
/// and connects to the members the client is missing. Driven by requests,
/// so an idle client makes no traffic.
void maybe_refresh(client_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  if (st.next_refresh <= now)
    connect_missing(self);
  if (st.refreshing || now < st.next_refresh)
    return;
  auto node = any_node(self);
  if (!node)
    return;
  st.refreshing = true;
  st.next_refresh = now + st.cfg.refresh_interval;
  self->request(node, st.cfg.request_timeout, routing_request_v1{})
    .then(
      [self](routing_reply_v1& table) {
        self->state.refreshing = false;
        on_table(self, table);
      },
      [self](caf::error&) { self->state.refreshing = false; });
}

/// The handle of `name` if the client may send it a replica request now:
/// connected, and up in the view of the node the table came from.
node_actor usable(client_ptr self, const std::string& name) {
  auto& st = self->state;
  auto m = st.members.find(name);
  if (m == st.members.end() || m->second.status == "down")
    return {};
  auto c = st.connected.find(m->second.address);
  return c != st.connected.end() ? c->second : node_actor{};
}

struct replica_plan {
  uint32_t partition = 0;
  std::vector<std::pair<std::string, node_actor>> replicas;
};

/// The usable primary replicas of `key`, in preference order; nothing when
/// a node must coordinate instead.
std::optional<replica_plan> plan(client_ptr self, const std::string& key,
                                 uint32_t quorum) {
  auto& st = self->state;
  if (!st.table || st.table->in_transition || key.empty()
      || key.size() > st.table->max_key_bytes || quorum > st.table->n
      || st.table->partitions == 0)
    return std::nullopt;
  replica_plan result;
  result.partition
    = detail::partition_of(detail::key_hash(key), st.table->partitions);
  if (result.partition >= st.table->preference_lists.size())
    return std::nullopt;
  for (auto& name : st.table->preference_lists[result.partition])
    if (auto handle = usable(self, name))
      result.replicas.emplace_back(name, handle);
  if (result.replicas.size() < std::max<uint32_t>(quorum, 1))
    return std::nullopt;
  return result;
}

caf::error no_node() {
  return make_error(dkv_errc::unavailable,
                    "no node of the cluster is connected");
}

/// Lets a node answer: it coordinates or refuses, and replies straight to
/// the requester.
template <class Reply, class Request>
caf::result<Reply> relay(client_ptr self, Request& req) {
  auto node = any_node(self);
  if (!node)
    return no_node();
  self->delegate(caf::actor_cast<caf::actor>(node), std::move(req));
  return caf::delegated<Reply>{};
}

using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

struct pending_get {
  uint64_t id = 0;
  caf::actor_clock::time_point deadline;
  get_request_v1 request;
  uint32_t partition = 0;
  std::map<std::string, node_actor> asked;
  detail::get_quorum quorum;
  caf::typed_response_promise<get_reply_v1> promise;
  bool answered = false;
  bool repaired = false;
  bool fastest_known = false;
};

/// Records the first replica to answer a read of `key`; the set is
/// bounded and starts over when full (a forgotten key's write goes to its
/// first home replica).
void remember_fastest(client_ptr self, const std::string& key,
                      const std::string& replica) {
  auto& st = self->state;
  if (st.cfg.writer != write_coordinator::fastest_reader)
    return;
  if (st.fastest_reader.size() >= st.cfg.remembered_readers
      && st.fastest_reader.count(key) == 0)
    st.fastest_reader.clear();
  st.fastest_reader[key] = replica;
}

void repair(const pending_get& get) {
  auto& merged = get.quorum.merged();
  if (merged.siblings.empty())
    return;
  for (auto& name : get.quorum.stale_replicas())
    if (auto i = get.asked.find(name); i != get.asked.end())
      // Fire and forget, as a node's coordinator does: a lost repair is
      // made by the next read or by anti-entropy.
      caf::anon_send(i->second, vnode_merge_v1{get.partition, merged, false});
}

void check(client_ptr self, const std::shared_ptr<pending_get>& get) {
  auto& q = get->quorum;
  if (!get->answered && q.enough()) {
    get->answered = true;
    get_reply_v1 reply;
    reply.values = live_values(q.merged());
    reply.context = encode_context(context_of(q.merged()));
    get->promise.deliver(std::move(reply));
  } else if (!get->answered && q.impossible()) {
    // A replica failed: the node's coordinator asks the others and stands
    // in with fallbacks (sloppy quorum).
    get->answered = true;
    auto node = any_node(self);
    if (!node) {
      get->promise.deliver(no_node());
      return;
    }
    self->request(node, self->state.cfg.request_timeout * 2, get->request)
      .then([get](get_reply_v1& reply) { get->promise.deliver(reply); },
            [get](caf::error& err) { get->promise.deliver(err); });
  }
  if (q.complete() && !get->repaired) {
    get->repaired = true;
    repair(*get);
  }
  if (get->answered && get->repaired)
    self->state.open_gets.erase(get->id);
}

/// Replicas that have not answered a get: all of them, or those reached
/// through the connection `lost` (when given).
void fail_silent(client_ptr self, const std::shared_ptr<pending_get>& get,
                 const caf::actor_addr* lost) {
  for (auto& [name, handle] : get->asked)
    if (!lost || handle.address() == *lost)
      get->quorum.fail(name); // ignored for replicas that answered
  check(self, get);
}

void send_reads(client_ptr self, const std::string& name);

/// Fails what replicas owe to gets past their deadline, and frees the
/// window of messages too late; runs while gets or messages are open.
void sweep(client_ptr self) {
  auto& st = self->state;
  st.sweeping = false;
  auto now = self->clock().now();
  std::vector<std::shared_ptr<pending_get>> late;
  for (auto& [id, get] : st.open_gets)
    if (get->deadline <= now)
      late.push_back(get);
  for (auto& get : late)
    fail_silent(self, get, nullptr);
  // A message whose answer is this late is taken as lost (its gets are
  // past their deadlines): its slot goes to the reads waiting behind it,
  // and its answer handler, kept by CAF until an answer that may never
  // come (a node that died), is given up.
  for (auto& [name, replica] : st.reads)
    for (auto* sent : {&replica.in_flight, &replica.outside})
      for (auto i = sent->begin(); i != sent->end();)
        if (i->second.at + st.cfg.request_timeout <= now) {
          detail::give_up_request(self, i->second.response);
          i = sent->erase(i);
        } else {
          ++i;
        }
  std::vector<std::string> names;
  for (auto& [name, replica] : st.reads)
    names.push_back(name);
  bool awaiting = false;
  for (auto& name : names) {
    send_reads(self, name);
    auto& replica = st.reads[name];
    awaiting = awaiting || !replica.in_flight.empty()
               || !replica.outside.empty();
  }
  if (!st.open_gets.empty() || awaiting) {
    st.sweeping = true;
    self->delayed_send(self, st.cfg.request_timeout / 10, sweep_atom::value);
  }
}

void on_replica_object(client_ptr self,
                       const std::shared_ptr<pending_get>& get,
                       const std::string& name, object& stored) {
  if (!get->fastest_known) {
    get->fastest_known = true;
    remember_fastest(self, get->request.key, name);
  }
  get->quorum.reply(name, stored);
  check(self, get);
}

void on_replica_failure(client_ptr self,
                        const std::shared_ptr<pending_get>& get,
                        const std::string& name) {
  get->quorum.fail(name);
  check(self, get);
}

/// Forgets an answered message; one that held a slot of the window frees
/// it for what waits.
void finish_message(client_ptr self, const std::string& name, uint64_t id) {
  auto i = self->state.reads.find(name);
  if (i == self->state.reads.end())
    return;
  i->second.outside.erase(id);
  if (i->second.in_flight.erase(id) > 0)
    send_reads(self, name);
}

/// Asks the router `handle` of `name` for its network reader; until an
/// answer names one (or if none does), reads go to the router.
void ask_reader(client_ptr self, const std::string& name,
                const node_actor& handle) {
  self->state.reads[name].reader_asked = true;
  self->request(handle, self->state.cfg.request_timeout, reader_request_v1{})
    .then(
      [self, name, handle](reader_reply_v1& reply) {
        auto i = self->state.reads.find(name);
        if (i != self->state.reads.end() && i->second.handle == handle)
          i->second.reader = std::move(reply.reader);
      },
      [](caf::error&) {
        // Reads keep going through the router, which answers them all.
      });
}

/// Sends a read message to the network reader of `name` when it has one
/// on the connection `handle`, else to its router.
template <class Message>
auto request_read(client_ptr self, const std::string& name,
                  const node_actor& handle, Message msg) {
  auto& replica = self->state.reads[name];
  if (replica.handle == handle && replica.reader)
    return self->request(replica.reader, caf::infinite, std::move(msg));
  return self->request(handle, caf::infinite, std::move(msg));
}

/// Stops sending to the network reader of `name` if `err` says it is
/// gone (the router spawns a new one): reads go to the router until it
/// names the new one.
void forget_gone_reader(client_ptr self, const std::string& name,
                        const caf::error& err) {
  if (err != caf::sec::request_receiver_down)
    return;
  auto i = self->state.reads.find(name);
  if (i != self->state.reads.end() && i->second.reader) {
    i->second.reader = replica_reader_actor{};
    i->second.reader_asked = false;
  }
}

/// Keeps the message `id` to `name` until answered or given up.
template <class Handle>
void note_sent(client_ptr self, const std::string& name, uint64_t id,
               const Handle& request, bool in_window) {
  auto& replica = self->state.reads[name];
  auto& sent = in_window ? replica.in_flight : replica.outside;
  sent.emplace(id, sent_message{self->clock().now(), request.id()});
}

/// One replica read in its own message, in the replica's window or
/// outside it (a read of a refused batch).
void send_read(client_ptr self, const std::shared_ptr<pending_get>& get,
               const std::string& name, const node_actor& handle,
               bool in_window) {
  auto id = ++self->state.next_message;
  auto request = request_read(self, name, handle,
                              vnode_get_v1{get->partition, get->request.key});
  note_sent(self, name, id, request, in_window);
  request.then(
      [self, get, name, id](vnode_object_v1& reply) {
        finish_message(self, name, id);
        on_replica_object(self, get, name, reply.stored);
      },
      [self, get, name, id](caf::error& err) {
        forget_gone_reader(self, name, err);
        finish_message(self, name, id);
        on_replica_failure(self, get, name);
      });
}

/// A message of one read or several. When the node refuses a batch (a
/// partition it must open first, one that moved), each read goes again
/// alone and gets its own answer.
void send_message(client_ptr self, const std::string& name,
                  const node_actor& handle,
                  std::vector<std::shared_ptr<pending_get>> gets) {
  if (gets.size() == 1) {
    send_read(self, gets.front(), name, handle, true);
    return;
  }
  auto id = ++self->state.next_message;
  vnode_get_batch_v2 batch;
  batch.reads.reserve(gets.size());
  for (auto& get : gets)
    batch.reads.push_back({get->partition, get->request.key});
  auto request = request_read(self, name, handle, std::move(batch));
  note_sent(self, name, id, request, true);
  request.then(
      [self, gets, name, id](vnode_records_v1& reply) {
        finish_message(self, name, id);
        auto n = gets.size();
        if (reply.records.size() != n
            || (!reply.failures.empty() && reply.failures.size() != n)) {
          for (auto& get : gets)
            on_replica_failure(self, get, name);
          return;
        }
        for (size_t i = 0; i < n; ++i) {
          auto& get = gets[i];
          if (!reply.failures.empty() && reply.failures[i]) {
            on_replica_failure(self, get, name);
            continue;
          }
          // A record that does not decode counts as the replica's failure,
          // as the node's own read of it would.
          auto stored
            = storage::decode_sent_record(get->request.key, reply.records[i]);
          if (stored)
            on_replica_object(self, get, name, *stored);
          else
            on_replica_failure(self, get, name);
        }
      },
      [self, gets, name, handle, id](caf::error& err) {
        forget_gone_reader(self, name, err);
        finish_message(self, name, id);
        for (auto& get : gets)
          if (err == caf::sec::request_timeout) // given up: its gets failed
            on_replica_failure(self, get, name);
          else
            send_read(self, get, name, handle, false);
      });
}

/// Sends the waiting reads of `name` while its window has room, at most
/// `read_batch` in each message.
void send_reads(client_ptr self, const std::string& name) {
  auto& st = self->state;
  auto i = st.reads.find(name);
  if (i == st.reads.end())
    return;
  auto& replica = i->second;
  auto batch_size = std::max<size_t>(st.cfg.read_batch, 1);
  auto& waiting = replica.waiting;
  while (!waiting.empty()
         && (st.cfg.reads_in_flight == 0
             || replica.in_flight.size() < st.cfg.reads_in_flight)) {
    std::vector<std::shared_ptr<pending_get>> batch;
    if (waiting.size() <= batch_size) {
      batch.swap(waiting);
    } else {
      auto end = waiting.begin() + batch_size;
      batch.assign(waiting.begin(), end);
      waiting.erase(waiting.begin(), end);
    }
    send_message(self, name, replica.handle, std::move(batch));
  }
}

/// Gives up every message on its way to `replica`, whose connection is
/// gone or replaced: nothing would answer them.
void give_up_messages(client_ptr self, const replica_reads& replica) {
  for (auto* sent : {&replica.in_flight, &replica.outside})
    for (auto& [id, message] : *sent)
      detail::give_up_request(self, message.response);
}

/// Forgets the reads of a replica reached through `handle`: its
/// connection is gone (their gets fail by fail_silent) or replaced.
void forget_reads(client_ptr self, const caf::actor_addr& handle) {
  auto& reads = self->state.reads;
  for (auto i = reads.begin(); i != reads.end();)
    if (i->second.handle.address() == handle) {
      give_up_messages(self, i->second);
      i = reads.erase(i);
    } else {
      ++i;
    }
}

/// Queues a replica read of `get`; it goes at once while fewer than
/// `reads_in_flight` messages are on their way to the replica, else with
/// the others waiting when one comes back.
void queue_read(client_ptr self, const std::shared_ptr<pending_get>& get,
                const std::string& name, const node_actor& handle) {
  auto& st = self->state;
  auto& replica = st.reads[name];
  if (replica.handle != handle) {
    // The member's connection was replaced: what went over the old one
    // is not waited for.
    auto waiting = std::move(replica.waiting);
    give_up_messages(self, replica);
    replica = replica_reads{};
    replica.handle = handle;
    for (auto& other : waiting)
      on_replica_failure(self, other, name);
  }
  if (!replica.reader_asked)
    ask_reader(self, name, handle);
  replica.waiting.push_back(get);
  send_reads(self, name);
}

caf::result<get_reply_v1> on_get(client_ptr self, get_request_v1& req) {
  auto& st = self->state;
  maybe_refresh(self);
  auto r = req.r != 0 ? req.r : (st.table ? st.table->r : 0);
  auto chosen = plan(self, req.key, r);
  if (!chosen)
    return relay<get_reply_v1>(self, req);
  if (st.cfg.fanout == read_fanout::quorum)
    chosen->replicas.resize(r);
  std::vector<std::string> names;
  for (auto& replica : chosen->replicas)
    names.push_back(replica.first);
  auto get = std::make_shared<pending_get>(pending_get{
    ++st.next_get, self->clock().now() + st.cfg.request_timeout, req,
    chosen->partition,
    {chosen->replicas.begin(), chosen->replicas.end()},
    detail::get_quorum{req.key, std::move(names), r},
    self->make_response_promise<get_reply_v1>()});
  st.open_gets.emplace(get->id, get);
  if (!st.sweeping) {
    st.sweeping = true;
    self->delayed_send(self, st.cfg.request_timeout / 10, sweep_atom::value);
  }
  for (auto& [name, handle] : chosen->replicas)
    queue_read(self, get, name, handle);
  return get->promise;
}

/// The usable home replica to coordinate a write of `key`: the fastest
/// reader of the key when the write follows a read, else the first.
node_actor write_coordinator_of(client_ptr self, const std::string& key,
                                bool follows_read, const replica_plan& plan) {
  auto& known = self->state.fastest_reader;
  if (follows_read)
    if (auto i = known.find(key); i != known.end())
      for (auto& [name, handle] : plan.replicas)
        if (name == i->second)
          return handle;
  return plan.replicas.front().second;
}

/// Refuses a value larger than the cluster accepts before it is sent: the
/// node would refuse it too, or, over its frame limit, close the
/// connection (failing every request on it).
caf::error oversized(client_ptr self, const put_request_v1& req) {
  auto& table = self->state.table;
  if (!table || table->max_value_bytes == 0
      || req.value.size() <= table->max_value_bytes)
    return caf::none;
  storage::object_limits limits;
  limits.max_value_bytes = table->max_value_bytes;
  std::string why;
  storage::valid_value(req.value, limits, why);
  return make_error(dkv_errc::invalid_argument, why);
}

caf::error oversized(client_ptr, const del_request_v1&) {
  return caf::none;
}

/// Sends a write to a usable home replica, which coordinates it; a node
/// forwards it there otherwise.
template <class Reply, class Request>
caf::result<Reply> on_write(client_ptr self, Request& req) {
  maybe_refresh(self);
  if (auto err = oversized(self, req))
    return err;
  auto chosen = plan(self, req.key, 1);
  if (!chosen)
    return relay<Reply>(self, req);
  auto home = write_coordinator_of(self, req.key, !req.context.empty(),
                                   *chosen);
  self->delegate(caf::actor_cast<caf::actor>(home), std::move(req));
  return caf::delegated<Reply>{};
}

caf::behavior cluster_client(client_ptr self, cluster_client_config cfg) {
  auto& st = self->state;
  for (auto& [address, handle] : cfg.entry_points) {
    auto node = caf::actor_cast<node_actor>(handle);
    self->monitor(node);
    st.connected[address] = node;
  }
  st.cfg = std::move(cfg);
  st.connector = st.cfg.connector;
  if (!st.connector && self->system().has_middleman())
    st.connector
      = caf::actor_cast<caf::actor>(transport_actor(self->system()));
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& connected = self->state.connected;
    for (auto i = connected.begin(); i != connected.end(); ++i)
      if (i->second.address() == msg.source) {
        connected.erase(i);
        break;
      }
    // CAF 0.17 drops what was on its way to a lost connection silently.
    forget_reads(self, msg.source);
    std::vector<std::shared_ptr<pending_get>> open;
    for (auto& [id, get] : self->state.open_gets)
      open.push_back(get);
    for (auto& get : open)
      fail_silent(self, get, &msg.source);
  });
  maybe_refresh(self);
  return {
    [self](get_request_v1& req) { return on_get(self, req); },
    [self](sweep_atom) { sweep(self); },
    [self](put_request_v1& req) { return on_write<put_reply_v1>(self, req); },
    [self](del_request_v1& req) {
      return on_write<del_reply_v1>(self, req);
    },
    [self](members_request_v1& req) {
      return relay<members_reply_v1>(self, req);
    },
    [self](ring_request_v1& req) {
      return relay<ring_reply_v1>(self, req);
    },
    [self](routing_request_v1& req) {
      return relay<routing_reply_v1>(self, req);
    },
    [self](preflist_request_v1& req) {
      return relay<preflist_reply_v1>(self, req);
    },
    [self](status_request_v1& req) {
      return relay<status_reply_v1>(self, req);
    },
    [self](aae_request_v1& req) {
      return relay<aae_reply_v1>(self, req);
    },
    [self](cluster_change_v1& req) {
      return relay<cluster_plan_v1>(self, req);
    },
    [self](transfers_request_v1& req) {
      return relay<transfers_reply_v1>(self, req);
    },
    [self](isolate_request_v1& req) {
      return relay<isolate_reply_v1>(self, req);
    },
  };
}

} // namespace

client_actor spawn_cluster_client(caf::actor_system& sys,
                                  cluster_client_config cfg) {
  return caf::actor_cast<client_actor>(sys.spawn(cluster_client,
                                                 std::move(cfg)));
}

} // namespace dkv
