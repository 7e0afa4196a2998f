// The client-driven coordinator's replica reads against fake nodes, in
// CAF's deterministic scheduler: a read goes at once while the window to
// its replica has room; reads beyond it go together in one message, read
// again one by one when a node refuses the batch, fail alone when their own
// lookup fails, and go out when a message that is never answered times
// out. (tests/integration/cluster_client.cpp runs it against real nodes.)

#include "actors/cluster_client.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "caf/test/dsl.hpp"

#include "fixtures/held_answers.hpp"
#include "fixtures/test_config.hpp"
#include "messages/errors.hpp"
#include "messages/node_protocol.hpp"
#include "storage/record_codec.hpp"

using namespace dkv;
using namespace dkv::test;
using namespace std::chrono_literals;

namespace {

/// A node holding every key of a one-partition cluster (a, b, c), which
/// records the read messages it gets.
struct fake_node_state : held_answers {
  static inline const char* name = "fake_node";
  std::string node_name;
  size_t single_reads = 0;
  std::vector<size_t> batches; // reads in each batch
  size_t relayed_gets = 0;
  size_t puts = 0;
  bool refuse_batches = false;
  std::set<std::string> failing_keys;
  /// Keys whose record the node sends garbled, and keys it holds nothing of
  /// (in batches).
  std::set<std::string> garbled_keys;
  std::set<std::string> absent_keys;
};

routing_reply_v1 one_partition_table() {
  routing_reply_v1 table;
  table.ring_version = 1;
  table.partitions = 1;
  table.n = 3;
  table.r = 2;
  table.w = 2;
  table.max_key_bytes = 1024;
  table.max_value_bytes = 16;
  table.preference_lists = {{"a", "b", "c"}};
  for (auto name : {"a", "b", "c"})
    table.members.push_back(
      member_status{name, std::string(name) + ":1", "up", 1, 0});
  return table;
}

/// The value every fake node holds for `key`.
object stored_object(const std::string& key) {
  write_request wr;
  wr.value = "v-" + key;
  wr.coordinator = 1;
  wr.now_ms = 1;
  return apply_write(object{key, {}}, wr);
}

using fake_node_ptr = caf::stateful_actor<fake_node_state>*;

caf::behavior fake_node(fake_node_ptr self, std::string name) {
  self->state.node_name = std::move(name);
  auto read = [self](const vnode_get_v1& req, object& result) -> caf::error {
    if (self->state.failing_keys.count(req.key) > 0)
      return make_error(dkv_errc::storage_failure, "bad record");
    result = stored_object(req.key);
    return caf::none;
  };
  return {
    [](routing_request_v1&) { return one_partition_table(); },
    [self, read](vnode_get_v1& req) -> caf::result<vnode_object_v1> {
      ++self->state.single_reads;
      if (self->state.hold(self))
        return caf::delegated<vnode_object_v1>{};
      vnode_object_v1 reply;
      if (auto err = read(req, reply.stored))
        return err;
      return reply;
    },
    [self, read](vnode_get_batch_v2& req) -> caf::result<vnode_records_v1> {
      auto& st = self->state;
      st.batches.push_back(req.reads.size());
      if (st.refuse_batches)
        return make_error(dkv_errc::unavailable, "read one by one");
      if (st.hold(self))
        return caf::delegated<vnode_records_v1>{};
      vnode_records_v1 reply;
      reply.records.resize(req.reads.size());
      for (size_t i = 0; i < req.reads.size(); ++i) {
        auto& key = req.reads[i].key;
        object stored;
        if (auto err = read(req.reads[i], stored)) {
          reply.failures.resize(req.reads.size());
          reply.failures[i] = std::move(err);
        } else if (st.garbled_keys.count(key) > 0) {
          reply.records[i] = storage::encode_record(stored);
          reply.records[i].back() ^= 0x5a;
        } else if (st.absent_keys.count(key) == 0) {
          reply.records[i] = storage::encode_record(stored);
        }
      }
      return reply;
    },
    [self](get_request_v1&) {
      ++self->state.relayed_gets;
      return get_reply_v1{{"relayed"}, ""};
    },
    [self](put_request_v1& req) {
      ++self->state.puts;
      return put_reply_v1{"ctx-" + self->state.node_name + "-" + req.key};
    },
  };
}

struct fixture : test_coordinator_fixture<dkv_config> {
  std::map<std::string, caf::actor> nodes;
  client_actor client;

  fixture() {
    for (auto name : {"a", "b", "c"})
      nodes[name] = sys.spawn(fake_node, name);
  }

  ~fixture() override {
    if (client)
      caf::anon_send_exit(client, caf::exit_reason::user_shutdown);
    for (auto& [name, node] : nodes) {
      state(name).held.clear();
      caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    }
    sched.run();
  }

  fake_node_state& state(const std::string& name) {
    return deref<caf::stateful_actor<fake_node_state>>(nodes[name]).state;
  }

  /// Spawns the client and lets it learn the table.
  void start_client(size_t reads_in_flight) {
    cluster_client_config cfg;
    for (auto& [name, node] : nodes)
      cfg.entry_points[name + ":1"] = caf::actor_cast<client_actor>(node);
    cfg.reconnect_interval = caf::timespan{0};
    cfg.request_timeout = 1s;
    cfg.reads_in_flight = reads_in_flight;
    client = spawn_cluster_client(sys, std::move(cfg));
    sched.run();
  }

  using get_handle = decltype(std::declval<caf::scoped_actor&>()->request(
    std::declval<client_actor&>(), caf::infinite, get_request_v1{}));

  get_handle get(const std::string& key) {
    return self->request(client, caf::infinite, get_request_v1{key, 0});
  }

  /// The values a get answered with; "error" when it failed.
  std::vector<std::string> values_of(get_handle& handle) {
    std::vector<std::string> result{"no answer"};
    handle.receive(
      [&](get_reply_v1& reply) { result = reply.values; },
      [&](caf::error& err) { result = {"error: " + sys.render(err)}; });
    return result;
  }

  using values = std::vector<std::string>;

  /// Gets k1, k2 and k3 at once; what each answered.
  std::vector<values> read_three() {
    std::vector<get_handle> handles{get("k1"), get("k2"), get("k3")};
    sched.run();
    std::vector<values> result;
    for (auto& handle : handles)
      result.push_back(values_of(handle));
    return result;
  }

  const std::vector<values> all_read{{"v-k1"}, {"v-k2"}, {"v-k3"}};
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_client_tests, fixture)

CAF_TEST(reads beyond the window go together in one message) {
  start_client(1);
  CAF_CHECK_EQUAL(read_three(), all_read);
  // R=2 of the preference list a, b, c: the first read alone to each,
  // the two that queued behind it in one message.
  for (auto name : {"a", "b"}) {
    CAF_CHECK_EQUAL(state(name).single_reads, 1u);
    CAF_CHECK_EQUAL(state(name).batches, std::vector<size_t>{2});
  }
  CAF_CHECK_EQUAL(state("c").single_reads + state("c").batches.size(), 0u);
}

CAF_TEST(without a window every read goes alone) {
  start_client(0);
  CAF_CHECK_EQUAL(read_three(), all_read);
  CAF_CHECK_EQUAL(state("a").single_reads, 3u);
  CAF_CHECK(state("a").batches.empty());
}

CAF_TEST(a refused batch is read again one by one) {
  state("a").refuse_batches = true;
  start_client(1);
  CAF_CHECK_EQUAL(read_three(), all_read);
  CAF_CHECK_EQUAL(state("a").batches, std::vector<size_t>{2});
  CAF_CHECK_EQUAL(state("a").single_reads, 3u);
  CAF_CHECK_EQUAL(state("a").relayed_gets + state("b").relayed_gets
                    + state("c").relayed_gets,
                  0u);
}

CAF_TEST(a read failing inside a batch fails only its own get) {
  state("a").failing_keys = {"k2"};
  start_client(1);
  // R=2 of the two replicas asked is out of reach: a node coordinates.
  CAF_CHECK_EQUAL(read_three(),
                  (std::vector<values>{{"v-k1"}, {"relayed"}, {"v-k3"}}));
  CAF_CHECK_EQUAL(state("a").batches, std::vector<size_t>{2});
}

CAF_TEST(a record that does not decode fails only its own get) {
  state("a").garbled_keys = {"k2"};
  start_client(1);
  CAF_CHECK_EQUAL(read_three(),
                  (std::vector<values>{{"v-k1"}, {"relayed"}, {"v-k3"}}));
  CAF_CHECK_EQUAL(state("a").batches, std::vector<size_t>{2});
}

CAF_TEST(a read of a key without a record in a batch finds nothing) {
  for (auto name : {"a", "b"})
    state(name).absent_keys = {"k2"};
  start_client(1);
  CAF_CHECK_EQUAL(read_three(), (std::vector<values>{{"v-k1"}, {}, {"v-k3"}}));
  CAF_CHECK_EQUAL(state("a").batches, std::vector<size_t>{2});
}

CAF_TEST(a message never answered frees its place after the timeout) {
  state("a").unanswered = 1;
  start_client(1);
  auto k1 = get("k1");
  sched.run();
  sched.advance_time(500ms);
  sched.run();
  auto k2 = get("k2");
  auto k3 = get("k3");
  sched.run();
  CAF_CHECK(state("a").batches.empty()); // waiting behind the lost read
  for (int i = 0; i < 7; ++i) {
    sched.advance_time(100ms);
    sched.run();
  }
  CAF_CHECK_EQUAL(values_of(k1), values{"relayed"});
  CAF_CHECK_EQUAL(state("a").batches, std::vector<size_t>{2});
  CAF_CHECK_EQUAL(values_of(k2), values{"v-k2"});
  CAF_CHECK_EQUAL(values_of(k3), values{"v-k3"});
}

CAF_TEST(a message never answered has its answer handler given up) {
  // As from a node that died: CAF would keep the handler, and the get it
  // holds, for good. The client answers it with a timeout of its own.
  state("a").unanswered = 1;
  start_client(1);
  auto k1 = get("k1");
  sched.run();
  auto next_is_given_up = [this] {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(client)
                 ->peek_at_next_mailbox_element();
    if (ptr == nullptr || !ptr->mid.is_response()
        || !ptr->content().match_elements<caf::error>())
      return false;
    return ptr->content().get_as<caf::error>(0) == caf::sec::request_timeout;
  };
  bool given_up = false;
  for (int i = 0; i < 15 && !given_up; ++i) {
    sched.advance_time(100ms);
    while (!given_up && sched.try_run_once())
      given_up = next_is_given_up();
  }
  CAF_CHECK(given_up);
  sched.run();
  CAF_CHECK_EQUAL(values_of(k1), values{"relayed"});
}

CAF_TEST(a value over the cluster limit is refused before it is sent) {
  start_client(1);
  auto put = [&](std::string value) {
    auto handle = self->request(client, caf::infinite,
                                put_request_v1{"k1", "", std::move(value), 0});
    sched.run();
    std::string result = "no answer";
    handle.receive([&](put_reply_v1& reply) { result = reply.context; },
                   [&](caf::error& err) { result = sys.render(err); });
    return result;
  };
  auto refused = put(std::string(17, 'v'));
  CAF_CHECK_NOT_EQUAL(refused.find("invalid_argument"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(refused.find("16"), std::string::npos); // the limit
  CAF_CHECK_EQUAL(state("a").puts + state("b").puts + state("c").puts, 0u);
  CAF_CHECK_EQUAL(put(std::string(16, 'v')), "ctx-a-k1");
}

CAF_TEST_FIXTURE_SCOPE_END()
