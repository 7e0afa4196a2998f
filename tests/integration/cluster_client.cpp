// The client-driven coordinator (actors/cluster_client.hpp, paper §6.4)
// against three real nodes: reads go straight to the replicas once it has
// the routing table, siblings and contexts behave as through a node, and a
// dead replica costs no answer.

#include "caf/test/unit_test.hpp"

#include "caf/all.hpp"

#include "actors/cluster_client.hpp"
#include "fixtures/process_cluster.hpp"
#include "fixtures/test_config.hpp"
#include "transport/transport.hpp"

#include <chrono>
#include <string>
#include <vector>
#include <thread>

using namespace dkv;
using namespace dkv::test;
using namespace std::chrono_literals;

namespace {

dkv_config& transport_config() {
  static dkv_config cfg;
  static bool loaded = false;
  if (!loaded) {
    load_transport(cfg);
    loaded = true;
  }
  return cfg;
}

struct fixture {
  process_cluster cluster{3,
                          {"--dkv.partitions=16", "--dkv.log-level=warn",
                           "--dkv.fault-injection"}};
  caf::actor_system sys{transport_config()};
  caf::scoped_actor self{sys};
  client_actor client;

  fixture() {
    CAF_REQUIRE(cluster.start_all());
    use_client(read_fanout::quorum);
  }

  /// Replaces the client by one with these choices, given the nodes
  /// `entry` (all three by default).
  void use_client(read_fanout fanout,
                  write_coordinator writer = write_coordinator::fastest_reader,
                  std::vector<size_t> entry = {1, 2, 3},
                  caf::timespan reconnect_interval = 200ms) {
    if (client)
      self->send_exit(client, caf::exit_reason::user_shutdown);
    cluster_client_config cfg;
    cfg.fanout = fanout;
    cfg.writer = writer;
    cfg.reconnect_interval = reconnect_interval;
    for (auto i : entry) {
      auto node = remote_on_transport<client_actor>(sys, "127.0.0.1",
                                                    cluster.port(i));
      CAF_REQUIRE(node);
      cfg.entry_points["127.0.0.1:" + std::to_string(cluster.port(i))]
        = *node;
    }
    cfg.refresh_interval = 100ms;
    client = spawn_cluster_client(sys, std::move(cfg));
  }

  ~fixture() {
    self->send_exit(client, caf::exit_reason::user_shutdown);
  }

  std::optional<get_reply_v1> get(const std::string& key) {
    std::optional<get_reply_v1> result;
    self->request(client, 5s, get_request_v1{key, 0})
      .receive([&](get_reply_v1& reply) { result = std::move(reply); },
               [&](caf::error& err) { CAF_MESSAGE(sys.render(err)); });
    return result;
  }

  std::optional<std::string> put(const std::string& key,
                                 const std::string& context,
                                 const std::string& value,
                                 caf::timespan timeout = 5s) {
    std::optional<std::string> result;
    self->request(client, timeout, put_request_v1{key, context, value, 0})
      .receive([&](put_reply_v1& reply) { result = reply.context; },
               [&](caf::error& err) { CAF_MESSAGE(sys.render(err)); });
    return result;
  }

  /// Gets the nodes coordinated, summed over the cluster.
  uint64_t node_coordinated_gets() {
    uint64_t total = 0;
    for (size_t i = 1; i <= 3; ++i) {
      auto status = cluster.console(i, "status");
      auto at = status.find("\"gets\":\"");
      if (at != std::string::npos)
        total += std::stoull(status.substr(at + 8));
    }
    return total;
  }

  /// A counter of node `i`'s status (0 if it shows none).
  uint64_t node_counter(size_t i, const std::string& name) {
    auto status = cluster.console(i, "status");
    auto field = "\"" + name + "\":\"";
    auto at = status.find(field);
    return at == std::string::npos
             ? 0
             : std::stoull(status.substr(at + field.size()));
  }

  /// A counter of every node's status, summed over the cluster.
  uint64_t node_counter(const std::string& name) {
    uint64_t total = 0;
    for (size_t i = 1; i <= 3; ++i)
      total += node_counter(i, name);
    return total;
  }

  /// Reads key0 .. key<count-1>; how many answered their one value.
  size_t read_each(size_t count) {
    size_t right = 0;
    for (size_t i = 0; i < count; ++i) {
      auto read = get("key" + std::to_string(i));
      if (read && read->values.size() == 1)
        ++right;
    }
    return right;
  }

  /// Gets `count` keys all at once; true when each answered its value.
  bool read_all_at_once(size_t count) {
    std::vector<decltype(self->request(client, 10s, get_request_v1{}))>
      handles;
    for (size_t i = 0; i < count; ++i)
      handles.push_back(
        self->request(client, 10s, get_request_v1{"key" + std::to_string(i),
                                                  0}));
    bool all = true;
    for (size_t i = 0; i < count; ++i)
      handles[i].receive(
        [&](get_reply_v1& reply) {
          if (reply.values != std::vector<std::string>{"v" + std::to_string(i)})
            all = false;
        },
        [&](caf::error& err) {
          CAF_MESSAGE("key" << i << ": " << sys.render(err));
          all = false;
        });
    return all;
  }

  /// Puts `count` keys all at once, each its value (`prefix` + i); true
  /// when each put succeeded.
  bool write_all_at_once(const std::string& prefix, size_t count) {
    std::vector<decltype(self->request(client, 10s, put_request_v1{}))>
      handles;
    for (size_t i = 0; i < count; ++i) {
      auto n = std::to_string(i);
      handles.push_back(self->request(
        client, 10s, put_request_v1{prefix + n, "", "v" + prefix + n, 0}));
    }
    bool all = true;
    for (size_t i = 0; i < count; ++i)
      handles[i].receive([](put_reply_v1&) {},
                         [&](caf::error& err) {
                           CAF_MESSAGE(prefix << i << ": " << sys.render(err));
                           all = false;
                         });
    return all;
  }

  /// How many of `prefix` + i, i < count, miss their value on one of
  /// the replicas that are up (read with R = all of them).
  size_t missing(const std::string& prefix, size_t count, uint32_t r) {
    size_t bad = 0;
    for (size_t i = 0; i < count; ++i) {
      auto n = std::to_string(i);
      std::optional<get_reply_v1> read;
      self->request(client, 5s, get_request_v1{prefix + n, r})
        .receive([&](get_reply_v1& reply) { read = std::move(reply); },
                 [&](caf::error& err) { CAF_MESSAGE(sys.render(err)); });
      if (!read || read->values != std::vector<std::string>{"v" + prefix + n})
        ++bad;
    }
    return bad;
  }

  /// Lets the client learn the table.
  void warm_up() {
    for (int i = 0; i < 20; ++i) {
      get("warm-up");
      std::this_thread::sleep_for(50ms);
    }
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_client_tests, fixture)

CAF_TEST(writes and reads keep siblings and contexts) {
  CAF_REQUIRE(put("k", "", "v1"));
  CAF_REQUIRE(put("k", "", "v2"));
  auto both = get("k");
  CAF_REQUIRE(both);
  CAF_CHECK_EQUAL(both->values.size(), 2u);
  CAF_REQUIRE(put("k", both->context, "v3"));
  auto one = get("k");
  CAF_REQUIRE(one);
  CAF_REQUIRE_EQUAL(one->values.size(), 1u);
  CAF_CHECK_EQUAL(one->values[0], "v3");
  auto missing = get("never-written");
  CAF_REQUIRE(missing);
  CAF_CHECK(missing->values.empty());
}

CAF_TEST(reads go straight to the replicas once the table is known) {
  for (int i = 0; i < 20; ++i)
    CAF_REQUIRE(put("key" + std::to_string(i), "", "v"));
  warm_up();
  auto before = node_coordinated_gets();
  for (int i = 0; i < 20; ++i) {
    auto read = get("key" + std::to_string(i));
    CAF_REQUIRE(read);
    CAF_CHECK_EQUAL(read->values.size(), 1u);
  }
  CAF_CHECK_EQUAL(node_coordinated_gets(), before);
}

CAF_TEST(a dead replica costs no answer) {
  for (int i = 0; i < 20; ++i)
    CAF_REQUIRE(put("key" + std::to_string(i), "", "v"));
  warm_up();
  cluster.kill(2);
  for (int i = 0; i < 20; ++i) {
    auto read = get("key" + std::to_string(i));
    CAF_REQUIRE(read);
    CAF_CHECK_EQUAL(read->values.size(), 1u);
    CAF_CHECK(put("key" + std::to_string(i), read->context, "w"));
  }
}

CAF_TEST(many reads at once go in batches and survive a replica dying) {
  constexpr size_t keys = 60;
  for (size_t i = 0; i < keys; ++i)
    CAF_REQUIRE(put("key" + std::to_string(i), "", "v" + std::to_string(i)));
  warm_up();
  CAF_CHECK(read_all_at_once(keys));
  // Batches go to the nodes' network readers, which pass the reads the
  // record cache does not hold on to the router in a batch of their own.
  auto batched = node_counter("network_reads.batched");
  CAF_MESSAGE(batched << " reads in " << node_counter("network_reads.batches")
                      << " batches");
  CAF_CHECK_GREATER(batched, keys / 2);
  // Reads waiting behind a message to the dead node, and batches on
  // their way to it, are answered by the others (and by a node's
  // coordination).
  cluster.kill(2);
  CAF_CHECK(read_all_at_once(keys));
  CAF_CHECK(read_all_at_once(keys));
}

CAF_TEST(reads of records a node keeps are answered on its network thread) {
  constexpr size_t keys = 20;
  for (size_t i = 0; i < keys; ++i)
    CAF_REQUIRE(put("key" + std::to_string(i), "", "v"));
  warm_up();
  CAF_CHECK_EQUAL(read_each(keys), keys); // the replicas keep the records
  auto answered = node_counter("network_reads.answered");
  auto passed_on = node_counter("network_reads.passed_on");
  CAF_CHECK_EQUAL(read_each(keys), keys);
  // Two replicas per read (R=2), each answering from its record cache.
  CAF_CHECK_EQUAL(node_counter("network_reads.answered") - answered,
                  2 * keys);
  CAF_CHECK_EQUAL(node_counter("network_reads.passed_on"), passed_on);
}

CAF_TEST(a node cut off answers no read on its network thread) {
  constexpr size_t keys = 6;
  for (size_t i = 0; i < keys; ++i)
    CAF_REQUIRE(put("key" + std::to_string(i), "", "v"));
  warm_up();
  read_each(keys);
  read_each(keys);
  auto answered = node_counter(1, "network_reads.answered");
  CAF_REQUIRE_GREATER(answered, 0u);
  auto cut = cluster.console(1, "isolate 4000");
  CAF_REQUIRE(cut.find("\"ok\":true") != std::string::npos);
  // Node 1's reads go to its router, which refuses them while cut off;
  // the client gets its answers elsewhere.
  read_each(keys);
  CAF_CHECK_EQUAL(node_counter(1, "network_reads.answered"), answered);
  CAF_CHECK_GREATER(node_counter(1, "network_reads.passed_on"), 0u);
}

CAF_TEST(many writes at once go between nodes in batches) {
  constexpr size_t keys = 60;
  warm_up();
  CAF_CHECK(write_all_at_once("a", keys));
  auto batched = node_counter("replica_merges.batched");
  CAF_MESSAGE(batched << " of " << 2 * keys << " merges in "
                      << node_counter("replica_merges.batches")
                      << " batches");
  CAF_CHECK_GREATER(batched, keys / 2);
  // Each merge of a batch reached its own replica.
  CAF_CHECK_EQUAL(missing("a", keys, 3), 0u);
  // Merges to the dead node fail that replica only: W=2 still holds
  // with the two running nodes, in batches between them.
  cluster.kill(2);
  std::this_thread::sleep_for(500ms); // the client sees the connection go
  auto before = node_counter("replica_merges.batches");
  CAF_CHECK(write_all_at_once("b", keys));
  CAF_CHECK(write_all_at_once("c", keys));
  CAF_CHECK_GREATER(node_counter("replica_merges.batches"), before);
  CAF_CHECK_EQUAL(missing("b", keys, 2), 0u);
  CAF_CHECK_EQUAL(missing("c", keys, 2), 0u);
}

CAF_TEST(gets sent to a node at once reach its peers in batches) {
  constexpr size_t keys = 60;
  for (size_t i = 0; i < keys; ++i)
    CAF_REQUIRE(put("key" + std::to_string(i), "", "v" + std::to_string(i)));
  auto node = remote_on_transport<client_actor>(sys, "127.0.0.1",
                                                cluster.port(1));
  CAF_REQUIRE(node);
  auto before = node_counter("replica_reads.batched");
  std::vector<decltype(self->request(*node, 10s, get_request_v1{}))> handles;
  for (size_t i = 0; i < keys; ++i)
    handles.push_back(
      self->request(*node, 10s, get_request_v1{"key" + std::to_string(i), 3}));
  size_t right = 0;
  for (size_t i = 0; i < keys; ++i)
    handles[i].receive(
      [&](get_reply_v1& reply) {
        if (reply.values == std::vector<std::string>{"v" + std::to_string(i)})
          ++right;
      },
      [&](caf::error& err) { CAF_MESSAGE(sys.render(err)); });
  CAF_CHECK_EQUAL(right, keys);
  // Node 1 coordinates every get and asks both peers for each key.
  auto batched = node_counter("replica_reads.batched") - before;
  CAF_MESSAGE(batched << " of " << 2 * keys << " peer reads in batches");
  CAF_CHECK_GREATER(batched, keys / 2);
}

CAF_TEST(a paused replica costs no answer once the cluster sees it down) {
  for (int i = 0; i < 20; ++i)
    CAF_REQUIRE(put("key" + std::to_string(i), "", "v"));
  warm_up();
  // SIGSTOP keeps the connections open: only deadlines and the peers'
  // failure detector tell the client.
  cluster.pause(2);
  std::this_thread::sleep_for(6s);
  for (int i = 0; i < 20; ++i) {
    auto read = get("key" + std::to_string(i));
    CAF_REQUIRE(read);
    CAF_CHECK_EQUAL(read->values.size(), 1u);
  }
  cluster.resume(2);
}

CAF_TEST(a write after a read goes to a replica that answered the read) {
  // Asking all three replicas, the two running ones answer the reads; the
  // writes that follow must go to one of them, not to a stopped first
  // home replica (paper §5). About a third of the keys have node 1 first.
  use_client(read_fanout::all);
  for (int i = 0; i < 20; ++i)
    CAF_REQUIRE(put("key" + std::to_string(i), "", "v"));
  warm_up();
  cluster.pause(1);
  for (int i = 0; i < 20; ++i) {
    auto key = "key" + std::to_string(i);
    auto read = get(key);
    CAF_REQUIRE(read);
    CAF_CHECK(put(key, read->context, "w", 1s));
  }
  cluster.resume(1);
}

CAF_TEST(reads go straight to replicas the client was not given) {
  // Given node 1 only, the client connects to the others from the table.
  use_client(read_fanout::quorum, write_coordinator::fastest_reader, {1});
  for (int i = 0; i < 20; ++i)
    CAF_REQUIRE(put("key" + std::to_string(i), "", "v"));
  warm_up();
  auto before = node_coordinated_gets();
  for (int i = 0; i < 20; ++i)
    CAF_CHECK(get("key" + std::to_string(i)));
  CAF_CHECK_EQUAL(node_coordinated_gets(), before);
}

CAF_TEST(the client reconnects to nodes that restarted) {
  use_client(read_fanout::quorum, write_coordinator::fastest_reader, {1});
  warm_up();
  cluster.kill(2);
  cluster.kill(3);
  CAF_REQUIRE(cluster.start(2));
  CAF_REQUIRE(cluster.start(3));
  CAF_REQUIRE(cluster.await_ready());
  warm_up(); // requests drive the reconnection
  // Node 1, the only entry point, goes: the client must be using 2 and 3.
  cluster.kill(1);
  std::optional<std::string> written;
  for (int attempt = 0; attempt < 20 && !written; ++attempt) {
    written = put("after", "", "v", 2s);
    if (!written)
      std::this_thread::sleep_for(250ms);
  }
  CAF_REQUIRE(written);
  auto read = get("after");
  CAF_REQUIRE(read);
  CAF_CHECK_EQUAL(read->values.size(), 1u);
}

CAF_TEST(without reconnection a client loses the nodes it was not given) {
  // The same story with reconnection off shows what the test above needs.
  use_client(read_fanout::quorum, write_coordinator::fastest_reader, {1},
             caf::timespan{0});
  warm_up();
  cluster.kill(1);
  std::this_thread::sleep_for(500ms);
  CAF_CHECK(!put("after", "", "v", 2s));
}

CAF_TEST(a value over the frame limit is refused and loses no connection) {
  warm_up();
  // 65 MiB: over the nodes' 1 MiB value limit and their 64 MiB frame
  // limit, which would close the connection the message came on.
  std::string huge(65 * 1024 * 1024, 'v');
  std::string refusal;
  self->request(client, 10s, put_request_v1{"huge", "", huge, 0})
    .receive([](put_reply_v1&) {},
             [&](caf::error& err) { refusal = sys.render(err); });
  CAF_CHECK_NOT_EQUAL(refusal.find("invalid_argument"), std::string::npos);
  CAF_MESSAGE(refusal);
  // The client's connections still stand: writes and reads go on.
  CAF_CHECK(write_all_at_once("after", 10));
  CAF_CHECK_EQUAL(missing("after", 10, 3), 0u);
}

CAF_TEST(other requests are relayed to a node) {
  std::optional<members_reply_v1> members;
  self->request(client, 5s, members_request_v1{})
    .receive([&](members_reply_v1& reply) { members = std::move(reply); },
             [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_REQUIRE(members);
  CAF_CHECK_EQUAL(members->members.size(), 3u);
}

CAF_TEST_FIXTURE_SCOPE_END()
