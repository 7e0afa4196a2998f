#include "actors/aae_exchange.hpp"

#include "caf/test/dsl.hpp"

#include "actors/vnode.hpp"
#include "fixtures/memory_store.hpp"
#include "fixtures/test_config.hpp"

using namespace dkv;
using namespace dkv::test;

namespace {

constexpr uint32_t partition = 3;

/// One replica: its own store and the partition's vnode.
struct replica : memory_store {
  vnode_actor vn;

  void start(caf::actor_system& sys, replica_id id) {
    vnode_config cfg;
    cfg.partition = partition;
    cfg.store = store;
    cfg.self = id;
    cfg.wall_clock_ms = [] { return uint64_t{1000}; };
    vn = sys.spawn(vnode, std::move(cfg));
  }
};

struct fixture : test_coordinator_fixture<dkv_config> {
  replica a;
  replica b;

  fixture() {
    a.start(sys, 0xA);
    b.start(sys, 0xB);
    sched.run();
  }

  object write(replica& r, const std::string& key, const std::string& value,
               version_vector context = {}) {
    vnode_coordinate_v1 req;
    req.partition = partition;
    req.key = key;
    req.value = value;
    req.context = std::move(context);
    object result;
    auto handle = self->request(r.vn, caf::infinite, std::move(req));
    sched.run();
    handle.receive([&](vnode_object_v1& x) { result = std::move(x.stored); },
                   [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return result;
  }

  object read(replica& r, const std::string& key) {
    object result;
    auto handle
      = self->request(r.vn, caf::infinite, vnode_get_v1{partition, key});
    sched.run();
    handle.receive([&](vnode_object_v1& x) { result = std::move(x.stored); },
                   [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return result;
  }

  vnode_tree_reply_v1 root(replica& r) {
    vnode_tree_reply_v1 result;
    auto handle
      = self->request(r.vn, caf::infinite, vnode_tree_v1{partition, 0, {0}});
    sched.run();
    handle.receive([&](vnode_tree_reply_v1& x) { result = std::move(x); },
                   [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return result;
  }

  caf::expected<exchange_stats> exchange(replica& local, replica& remote) {
    caf::expected<exchange_stats> result{caf::error{}};
    bool called = false;
    exchange_config cfg;
    cfg.partition = partition;
    cfg.local = local.vn;
    cfg.remote = remote.vn;
    cfg.peer = "remote";
    cfg.timeout = std::chrono::seconds(1);
    cfg.segments_per_request = 8; // several chunks even for few segments
    cfg.window = 4;
    cfg.finish = [&](caf::expected<exchange_stats> x) {
      called = true;
      result = std::move(x);
    };
    spawn_aae_exchange(sys, std::move(cfg));
    sched.run();
    CAF_CHECK(called);
    return result;
  }

  ~fixture() override {
    caf::anon_send_exit(a.vn, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(b.vn, caf::exit_reason::user_shutdown);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(aae_exchange_tests, fixture)

CAF_TEST(identical replicas compare one root and nothing else) {
  for (auto k : {"x", "y", "z"}) {
    auto stored = write(a, k, "v");
    auto handle = self->request(b.vn, caf::infinite,
                                vnode_merge_v1{partition, stored, false});
    sched.run();
    handle.receive([](vnode_object_v1&) {},
                   [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  }
  auto stats = exchange(a, b);
  CAF_REQUIRE(stats);
  CAF_CHECK_EQUAL(stats->hashes_compared, 1u);
  CAF_CHECK_EQUAL(stats->keys_repaired, 0u);
  CAF_CHECK_EQUAL(stats->bytes, 8u);
}

CAF_TEST(missing and concurrent keys end merged on both sides) {
  for (int k = 0; k < 200; ++k)
    write(a, "only-a-" + std::to_string(k), "va");
  for (int k = 0; k < 50; ++k)
    write(b, "only-b-" + std::to_string(k), "vb");
  // The same key written on both sides independently: siblings after.
  write(a, "both", "from-a");
  write(b, "both", "from-b");
  auto stats = exchange(a, b);
  CAF_REQUIRE(stats);
  CAF_CHECK_EQUAL(stats->keys_repaired, 251u);
  auto root_a = root(a);
  auto root_b = root(b);
  CAF_CHECK_EQUAL(root_a.hashes, root_b.hashes);
  CAF_CHECK_EQUAL(root_a.keys, 251u);
  auto both = read(b, "both");
  CAF_CHECK_EQUAL(both.siblings.size(), 2u);
  CAF_CHECK(read(a, "only-b-7") == read(b, "only-b-7"));
  // A second exchange finds nothing left to do.
  auto again = exchange(b, a);
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->keys_repaired, 0u);
  CAF_CHECK_EQUAL(again->hashes_compared, 1u);
}

CAF_TEST(the cost follows the differences not the keys) {
  for (int k = 0; k < 2000; ++k) {
    auto stored = write(a, "k" + std::to_string(k), "v");
    auto handle = self->request(b.vn, caf::infinite,
                                vnode_merge_v1{partition, stored, false});
    sched.run();
    handle.receive([](vnode_object_v1&) {},
                   [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  }
  write(a, "k77", "changed", {}); // a sibling on a only
  auto stats = exchange(a, b);
  CAF_REQUIRE(stats);
  CAF_CHECK_EQUAL(stats->segments_differing, 1u);
  CAF_CHECK_EQUAL(stats->keys_repaired, 1u);
  // One path down the tree, one segment's keys: a few of the 2000.
  CAF_CHECK_LESS(stats->keys_compared, 10u);
  CAF_CHECK_LESS(stats->hashes_compared, 64u);
}

CAF_TEST(a vnode rebuilds the same tree from its store at start) {
  for (int k = 0; k < 300; ++k)
    write(a, "k" + std::to_string(k), "v" + std::to_string(k));
  write(a, "k5", "again");
  auto before = root(a);
  caf::anon_send_exit(a.vn, caf::exit_reason::kill);
  sched.run();
  a.start(sys, 0xA);
  sched.run();
  auto after = root(a);
  CAF_CHECK_EQUAL(after.hashes, before.hashes);
  CAF_CHECK_EQUAL(after.keys, 300u);
}

CAF_TEST(an unreachable peer ends the exchange with an error) {
  write(a, "k", "v");
  caf::anon_send_exit(b.vn, caf::exit_reason::kill);
  sched.run();
  auto stats = exchange(a, b);
  CAF_CHECK(!stats);
}

CAF_TEST_FIXTURE_SCOPE_END()
