#include "actors/request_router.hpp"

#include "caf/test/dsl.hpp"

#include "actors/detail/key_hash.hpp"
#include "actors/detail/read_gate.hpp"
#include "actors/node_supervisor.hpp"
#include "fixtures/memory_store.hpp"
#include "messages/membership_protocol.hpp"
#include "fixtures/solo_node.hpp"
#include "fixtures/test_config.hpp"
#include "storage/record_codec.hpp"

using namespace dkv;
using namespace dkv::test;

namespace {

struct fixture : test_coordinator_fixture<dkv_config>, memory_store {
  caf::actor supervisor;
  caf::actor router;
  std::shared_ptr<detail::read_gate> gate
    = std::make_shared<detail::read_gate>(8);

  fixture() {
    auto cfg = solo_node_config(store);
    cfg.router.settings.fault_injection = true;
    cfg.router.read_gate = gate;
    supervisor = spawn_node_supervisor(sys, std::move(cfg));
    sched.run();
    auto handle
      = self->request(supervisor, caf::infinite, caf::get_atom::value);
    sched.run();
    handle.receive([&](caf::actor& x) { router = x; },
                   [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  }

  ~fixture() override {
    // The router ticks forever: stop the node before the fixture drains.
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    sched.run();
  }

  bool put(const std::string& key) {
    bool ok = false;
    auto handle = self->request(caf::actor_cast<node_actor>(router),
                                caf::infinite, put_request_v1{key, "", "v", 0});
    sched.run();
    handle.receive([&](put_reply_v1&) { ok = true; },
                   [&](caf::error& err) { CAF_MESSAGE(sys.render(err)); });
    return ok;
  }

  /// The values a get of `key` returned; nothing if it failed.
  std::optional<std::vector<std::string>> get(const std::string& key) {
    std::optional<std::vector<std::string>> values;
    auto handle = self->request(caf::actor_cast<node_actor>(router),
                                caf::infinite, get_request_v1{key, 0});
    sched.run();
    handle.receive([&](get_reply_v1& reply) { values = reply.values; },
                   [&](caf::error& err) { CAF_MESSAGE(sys.render(err)); });
    return values;
  }

  size_t pending_timers() { return sched.clock().schedule().size(); }

  /// A batch reading `keys`, each in its home partition (of 8).
  template <class Batch>
  static Batch reads_of(const std::vector<std::string>& keys) {
    Batch batch;
    for (auto& key : keys)
      batch.reads.push_back(
        {detail::partition_of(detail::key_hash(key), 8), key});
    return batch;
  }

  /// Sends a batch of replica reads to the router, checks that it hands
  /// the batch to a reader, and runs everything.
  template <class Batch>
  void send_to_a_reader(const Batch& batch) {
    self->send(caf::actor_cast<caf::actor>(router), batch);
    CAF_REQUIRE(sched.try_run_once()); // the router's step
    CAF_CHECK_EQUAL(sched.next_job<caf::scheduled_actor>().name(),
                    std::string{"dkv.replica_reader"});
    sched.run();
  }

  static uint32_t home(const std::string& key) {
    return detail::partition_of(detail::key_hash(key), 8);
  }

  /// A replica merge of a first version of `key` ("m-" + key).
  static vnode_merge_v1 merge_of(const std::string& key, uint32_t partition) {
    write_request wr;
    wr.value = "m-" + key;
    wr.coordinator = 42;
    wr.now_ms = 1;
    return vnode_merge_v1{partition, apply_write(object{key, {}}, wr), false};
  }

  /// The live values the vnode of `key`'s home partition holds.
  std::vector<std::string> stored_values(const std::string& key) {
    self->send(caf::actor_cast<caf::actor>(router),
               vnode_get_v1{home(key), key});
    sched.run();
    std::vector<std::string> values;
    self->receive([&](vnode_object_v1& x) { values = live_values(x.stored); },
                  [&](caf::error& err) { CAF_FAIL(sys.render(err)); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return values;
  }

  std::string stat(const std::string& name) {
    std::string value = "(missing)";
    auto handle = self->request(caf::actor_cast<node_actor>(router),
                                caf::infinite, status_request_v1{});
    sched.run();
    handle.receive(
      [&](status_reply_v1& reply) {
        for (auto& entry : reply.stats)
          if (entry.name == name)
            value = entry.value;
      },
      [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return value;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(request_router_tests, fixture)

CAF_TEST(puts share one deadline timer instead of setting one each) {
  CAF_REQUIRE(put("k0"));
  auto after_one = pending_timers();
  for (int i = 1; i < 20; ++i)
    CAF_REQUIRE(put("k" + std::to_string(i)));
  auto after_twenty = pending_timers();
  CAF_CHECK_EQUAL(after_twenty, after_one);
}

CAF_TEST(a put in flight when its router stops is answered with an error) {
  auto handle = self->request(caf::actor_cast<node_actor>(router),
                              caf::infinite, put_request_v1{"k", "", "v", 0});
  sched.run_once(); // the router asks its vnode to write
  caf::anon_send_exit(router, caf::exit_reason::kill);
  sched.run_once(); // the vnode answers, but the router's exit comes first
  sched.run_once();
  sched.run();
  CAF_REQUIRE(!self->mailbox().empty());
  bool failed = false;
  handle.receive([&](put_reply_v1&) { CAF_FAIL("the put cannot succeed"); },
                 [&](caf::error& err) {
                   CAF_MESSAGE(sys.render(err));
                   failed = err == caf::sec::request_timeout;
                 });
  CAF_CHECK(failed);
}

CAF_TEST(a put coordinated by the router leaves nothing behind once done) {
  CAF_CHECK_EQUAL(stat("puts.in_flight"), "0");
  for (int i = 0; i < 20; ++i)
    CAF_REQUIRE(put("k" + std::to_string(i)));
  CAF_CHECK_EQUAL(stat("puts.in_flight"), "0");
}

CAF_TEST(gets coordinated by the router leave nothing behind once done) {
  CAF_REQUIRE(put("k0"));
  CAF_REQUIRE(get("k0"));
  auto after_one = pending_timers();
  for (int i = 0; i < 20; ++i) {
    auto values = get("k" + std::to_string(i % 2));
    CAF_REQUIRE(values);
    CAF_CHECK_EQUAL(values->size(), i % 2 == 0 ? 1u : 0u);
  }
  // Their deadlines share the router's one timer: no timer per get.
  CAF_CHECK_EQUAL(pending_timers(), after_one);
  CAF_CHECK_EQUAL(stat("gets.in_flight"), "0");
}

CAF_TEST(a get in flight when its router stops is answered with an error) {
  CAF_REQUIRE(put("k"));
  auto handle = self->request(caf::actor_cast<node_actor>(router),
                              caf::infinite, get_request_v1{"k", 0});
  sched.run_once(); // the router asks its replicas
  caf::anon_send_exit(router, caf::exit_reason::kill);
  sched.run();
  CAF_REQUIRE(!self->mailbox().empty());
  bool failed = false;
  // As at its deadline: the replicas that did not answer count as failed.
  handle.receive([&](get_reply_v1&) { CAF_FAIL("the get cannot succeed"); },
                 [&](caf::error& err) {
                   CAF_MESSAGE(sys.render(err));
                   failed = dkv_code(err) == dkv_errc::quorum_unavailable;
                 });
  CAF_CHECK(failed);
}

CAF_TEST(a replica read of an open partition does not queue at its vnode) {
  CAF_REQUIRE(put("k"));
  auto partition = detail::partition_of(detail::key_hash("k"), 8);
  self->send(caf::actor_cast<caf::actor>(router), vnode_get_v1{partition, "k"});
  CAF_REQUIRE(sched.try_run_once()); // the router's step
  // The vnode's mailbox holds its writes and long anti-entropy folds: a
  // reader answers instead.
  CAF_REQUIRE(sched.has_job());
  CAF_CHECK_EQUAL(sched.next_job<caf::scheduled_actor>().name(),
                  std::string{"dkv.replica_reader"});
  sched.run();
  bool answered = false;
  self->receive(
    [&](vnode_object_v1& x) {
      answered = true;
      CAF_CHECK_EQUAL(live_values(x.stored), std::vector<std::string>{"v"});
    },
    caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(answered);
}

CAF_TEST(a read of a key never written answers an empty object) {
  auto partition = detail::partition_of(detail::key_hash("k"), 8);
  self->send(caf::actor_cast<caf::actor>(router), vnode_get_v1{partition, "k"});
  sched.run();
  bool answered = false;
  self->receive(
    [&](vnode_object_v1& x) {
      answered = true;
      CAF_CHECK(x.stored.siblings.empty());
    },
    caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(answered);
}

CAF_TEST(a reader that dies is replaced) {
  CAF_REQUIRE(put("k"));
  auto partition = detail::partition_of(detail::key_hash("k"), 8);
  auto read = [&] {
    self->send(caf::actor_cast<caf::actor>(router),
               vnode_get_v1{partition, "k"});
    CAF_REQUIRE(sched.try_run_once()); // the router's step
  };
  read();
  auto& first = sched.next_job<caf::scheduled_actor>();
  CAF_REQUIRE_EQUAL(first.name(), std::string{"dkv.replica_reader"});
  caf::anon_send_exit(first.address(), caf::exit_reason::kill);
  sched.run();
  self->receive([](vnode_object_v1&) {}, [](caf::error&) {},
                caf::after(std::chrono::seconds(0)) >> [] {});
  // Every later read is answered, whichever reader's turn it is.
  for (int i = 0; i < 4; ++i) {
    read();
    sched.run();
    bool answered = false;
    self->receive([&](vnode_object_v1&) { answered = true; },
                  [&](caf::error& err) { CAF_MESSAGE(sys.render(err)); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    CAF_CHECK(answered);
  }
}

CAF_TEST(a batch of replica reads is answered by one reader in order) {
  std::vector<std::string> keys{"k0", "k1", "k2", "k3"};
  for (auto& key : keys)
    CAF_REQUIRE(put(key));
  auto batch = reads_of<vnode_get_batch_v1>(keys);
  send_to_a_reader(batch);
  bool answered = false;
  self->receive(
    [&](vnode_objects_v1& x) {
      answered = true;
      CAF_CHECK(x.failures.empty());
      CAF_REQUIRE_EQUAL(x.stored.size(), keys.size());
      for (size_t i = 0; i < keys.size(); ++i) {
        CAF_CHECK_EQUAL(x.stored[i].key, keys[i]);
        CAF_CHECK_EQUAL(live_values(x.stored[i]),
                        std::vector<std::string>{"v"});
      }
    },
    [&](caf::error& err) { CAF_FAIL(sys.render(err)); },
    caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(answered);
}

CAF_TEST(a batch of replica reads for records gets them as stored) {
  std::vector<std::string> keys{"k0", "k1", "absent"};
  CAF_REQUIRE(put("k0"));
  CAF_REQUIRE(put("k1"));
  auto batch = reads_of<vnode_get_batch_v2>(keys);
  send_to_a_reader(batch);
  bool answered = false;
  self->receive(
    [&](vnode_records_v1& x) {
      answered = true;
      CAF_CHECK(x.failures.empty());
      CAF_REQUIRE_EQUAL(x.records.size(), keys.size());
      for (size_t i = 0; i < 2; ++i) {
        auto stored = storage::decode_record(keys[i], x.records[i]);
        CAF_REQUIRE(stored);
        CAF_CHECK_EQUAL(live_values(*stored), std::vector<std::string>{"v"});
      }
      CAF_CHECK(x.records[2].empty());
    },
    [&](caf::error& err) { CAF_FAIL(sys.render(err)); },
    caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(answered);
  // Refused whole as the batch of objects is.
  uint32_t unknown = 8; // of 8 partitions, 0-7
  batch.reads.push_back({unknown, "k2"});
  self->send(caf::actor_cast<caf::actor>(router), batch);
  sched.run();
  caf::error refusal;
  self->receive([](vnode_records_v1&) {},
                [&](caf::error& err) { refusal = err; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK_EQUAL(dkv_code(refusal), dkv_errc::unavailable);
}

CAF_TEST(a batch with a read that is not a plain lookup is refused whole) {
  CAF_REQUIRE(put("k0"));
  auto open = detail::partition_of(detail::key_hash("k0"), 8);
  uint32_t unknown = 8; // of 8 partitions, 0-7
  auto read_batch = [&](vnode_get_batch_v1 batch) {
    self->send(caf::actor_cast<caf::actor>(router), std::move(batch));
    sched.run();
    caf::error failure;
    size_t answers = 0;
    self->receive([&](vnode_objects_v1& x) { answers = x.stored.size(); },
                  [&](caf::error& err) { failure = err; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return std::make_pair(failure, answers);
  };
  // The sender reads one by one, and each read gets its own answer.
  auto [refusal, none] = read_batch({{{open, "k0"}, {unknown, "k1"}}});
  CAF_CHECK_EQUAL(dkv_code(refusal), dkv_errc::unavailable);
  CAF_CHECK_EQUAL(none, 0u);
  self->send(caf::actor_cast<caf::actor>(router), vnode_get_v1{unknown, "k1"});
  sched.run();
  caf::error alone;
  self->receive([](vnode_object_v1&) {}, [&](caf::error& err) { alone = err; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK_EQUAL(dkv_code(alone), dkv_errc::wrong_node);
  auto [no_error, both] = read_batch({{{open, "k0"}, {open, "k2"}}});
  CAF_CHECK(!no_error);
  CAF_CHECK_EQUAL(both, 2u);
}

CAF_TEST(the network reader may answer a partition only while it is open) {
  auto p = home("k");
  auto now = [&] { return sched.clock().now(); };
  // The router opened the partitions it replicates as it started.
  CAF_CHECK(gate->passes(p, now()));
  CAF_CHECK(!gate->passes(8, now())); // of 8 partitions, 0-7
  // Cut off (fault injection): every read goes to the router, which
  // refuses it, until the cut ends.
  auto cut = self->request(caf::actor_cast<node_actor>(router), caf::infinite,
                           isolate_request_v1{1000});
  sched.run();
  cut.receive([](isolate_reply_v1&) {},
              [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_CHECK(!gate->passes(p, now()));
  sched.clock().current_time += std::chrono::milliseconds(1001);
  CAF_CHECK(gate->passes(p, now()));
  // Retired, then dropped: closed from the retirement on.
  self->send(router, retire_atom::value, p);
  sched.run();
  CAF_CHECK(!gate->passes(p, now()));
  self->send(router, drop_atom::value, p);
  sched.run();
  CAF_CHECK(!gate->passes(p, now()));
  self->receive([](vnode_actor&) {}, [](caf::error&) {},
                caf::after(std::chrono::seconds(0)) >> [] {});
  self->receive([](bool) {}, [](caf::error&) {},
                caf::after(std::chrono::seconds(0)) >> [] {});
}

CAF_TEST(a batch of merges is answered in order and a bad merge fails alone) {
  uint32_t unknown = 8; // of 8 partitions, 0-7
  vnode_merge_batch_v1 batch;
  batch.merges = {merge_of("k0", home("k0")), merge_of("k1", unknown),
                  merge_of("k2", home("k2"))};
  self->send(caf::actor_cast<caf::actor>(router), batch);
  sched.run();
  bool answered = false;
  self->receive(
    [&](vnode_objects_v1& x) {
      answered = true;
      CAF_REQUIRE_EQUAL(x.stored.size(), 3u);
      CAF_REQUIRE_EQUAL(x.failures.size(), 3u);
      CAF_CHECK(!x.failures[0]);
      CAF_CHECK_EQUAL(dkv_code(x.failures[1]), dkv_errc::wrong_node);
      CAF_CHECK(!x.failures[2]);
      CAF_CHECK_EQUAL(x.stored[0].key, "k0");
      CAF_CHECK_EQUAL(x.stored[2].key, "k2");
      CAF_CHECK_EQUAL(live_values(x.stored[2]),
                      std::vector<std::string>{"m-k2"});
    },
    [&](caf::error& err) { CAF_FAIL(sys.render(err)); },
    caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(answered);
  // Each merge was stored by its vnode as if it had come alone.
  for (std::string key : {"k0", "k2"})
    CAF_CHECK_EQUAL(stored_values(key), std::vector<std::string>{"m-" + key});
}

CAF_TEST(merges sent as records are stored and acknowledged by failures) {
  auto record_of = [](const std::string& key, uint32_t partition) {
    auto m = merge_of(key, partition);
    return vnode_merge_record_v1{partition, key,
                                 storage::encode_record(m.incoming), false};
  };
  uint32_t unknown = 8; // of 8 partitions, 0-7
  vnode_merge_batch_v2 batch;
  batch.merges = {record_of("k0", home("k0")), record_of("k1", unknown),
                  record_of("k2", home("k2")), record_of("k3", home("k3"))};
  batch.merges[2].record = "not a record";
  self->send(caf::actor_cast<caf::actor>(router), batch);
  sched.run();
  bool answered = false;
  self->receive(
    [&](vnode_merge_acks_v1& x) {
      answered = true;
      CAF_CHECK_EQUAL(x.merges, 4u);
      CAF_REQUIRE_EQUAL(x.failures.size(), 4u);
      CAF_CHECK(!x.failures[0]);
      CAF_CHECK_EQUAL(dkv_code(x.failures[1]), dkv_errc::wrong_node);
      CAF_CHECK_EQUAL(dkv_code(x.failures[2]), dkv_errc::invalid_argument);
      CAF_CHECK(!x.failures[3]);
    },
    [&](caf::error& err) { CAF_FAIL(sys.render(err)); },
    caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(answered);
  CAF_CHECK_EQUAL(stored_values("k0"), std::vector<std::string>{"m-k0"});
  CAF_CHECK(stored_values("k2").empty());
  CAF_CHECK_EQUAL(stored_values("k3"), std::vector<std::string>{"m-k3"});
}

CAF_TEST_FIXTURE_SCOPE_END()
