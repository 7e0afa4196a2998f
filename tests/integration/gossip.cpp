// Gossip membership across real dkv-node processes (paper §4.8): a node
// started with a single seed learns the ring and every other node, the
// others learn of it without having it as a seed, and a node that was down
// while the cluster changed catches up when it returns.

#include "caf/test/unit_test.hpp"

#include "fixtures/process_cluster.hpp"

#include <chrono>
#include <thread>

using namespace dkv::test;

namespace {

struct fixture {
  process_cluster cluster{3,
                          {"--dkv.partitions=16", "--dkv.n=3", "--dkv.r=2",
                           "--dkv.w=2", "--dkv.request-timeout=1s",
                           "--dkv.connect-retry=200ms",
                           "--dkv.gossip-interval=200ms"}};

  fixture() { CAF_REQUIRE(cluster.start_all()); }

  std::string address(size_t i) const {
    return "127.0.0.1:" + std::to_string(cluster.port(i));
  }

  /// Starts node `i` with node `seed` as its only seed.
  bool start_seeded(size_t i, size_t seed) {
    return cluster.start_with(i, {"--dkv.seeds=[\"" + address(seed) + "\"]"});
  }

  /// How node `i` lists node `j` in `members`, e.g. its status.
  std::string entry(size_t j, const std::string& status) const {
    return "\"name\":\"node" + std::to_string(j) + "\",\"address\":\""
           + address(j) + "\",\"status\":\"" + status + "\"";
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(gossip_tests, fixture)

CAF_TEST(a node learns the cluster from one seed and the cluster learns it) {
  auto started = std::chrono::steady_clock::now();
  CAF_REQUIRE(start_seeded(4, 1));
  // The ring comes by gossip, not by forming a new one from the seed list.
  CAF_CHECK(has(cluster.await(4, "status", "\"ring\":\"ready\""),
                "\"ring\":\"ready\""));
  CAF_CHECK_EQUAL(cluster.console(4, "ring"), cluster.console(1, "ring"));
  // Node 3 never had node 4 as a seed; node 4 only had node 1.
  CAF_CHECK(
    has(cluster.await(3, "members", entry(4, "joining")), entry(4, "joining")));
  CAF_CHECK(has(cluster.await(4, "members", entry(3, "up")), entry(3, "up")));
  auto spread = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - started);
  CAF_MESSAGE("node 4 known everywhere " << spread.count()
                                         << " ms after its start");
  // It owns nothing (join is explicit) but serves clients.
  CAF_CHECK(has(cluster.console(1, "members"), "\"partitions\":0"));
  CAF_CHECK(ok(cluster.console(4, "put gk gv")));
  CAF_CHECK(has(cluster.console(3, "get gk"), "\"values\":[\"gv\"]"));
}

CAF_TEST(a node that was down catches up with the directory) {
  cluster.kill(3);
  CAF_REQUIRE(start_seeded(5, 1));
  CAF_REQUIRE(
    has(cluster.await(2, "members", entry(5, "joining")), entry(5, "joining")));
  // Node 3 comes back with its persisted, stale view and only its seeds.
  CAF_REQUIRE(cluster.start(3));
  CAF_CHECK(
    has(cluster.await(3, "members", entry(5, "joining")), entry(5, "joining")));
  // And the others see node 3 up again.
  CAF_CHECK(has(cluster.await(5, "members", entry(3, "up")), entry(3, "up")));
}

CAF_TEST(a node of another cluster cannot gossip its way in) {
  CAF_REQUIRE(cluster.start_with(
    4, {"--dkv.seeds=[\"" + address(1) + "\"]", "--dkv.cluster=other"}));
  // Long enough for several connect and gossip rounds (200 ms each).
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CAF_CHECK(!has(cluster.console(1, "members"), "node4"));
  CAF_CHECK(has(cluster.console(4, "status"), "\"ring\":\"forming\""));
  CAF_CHECK(has(cluster.log(1), "peer.rejected name=node4"));
}

CAF_TEST_FIXTURE_SCOPE_END()
