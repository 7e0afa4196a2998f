// Merkle-tree anti-entropy across real dkv-node processes (paper §4.7): a
// replica that missed 10,000 writes while it was down becomes identical to
// the others without any read (no read repair) and without hinted handoff
// (three nodes with N=3 have no fallback node, so no hints exist).

#include "caf/test/unit_test.hpp"

#include "fixtures/process_cluster.hpp"

#include <chrono>
#include <thread>

using namespace dkv::test;

namespace {

constexpr size_t partitions = 16;

struct fixture {
  process_cluster cluster{
    3,
    {"--dkv.partitions=16", "--dkv.n=3", "--dkv.r=2", "--dkv.w=2",
     "--dkv.request-timeout=1s", "--dkv.connect-retry=200ms",
     "--dkv.gossip-interval=200ms", "--dkv.aae-interval=20ms"}};

  fixture() { CAF_REQUIRE(cluster.start_all()); }

  std::string batch(size_t i, const std::string& commands) {
    return cluster.batch(i, commands);
  }

  /// True once every partition of node `i` is in sync with both peers.
  bool converged(size_t i) {
    auto aae = cluster.console(i, "aae");
    return occurrences(aae, "\"in_sync\":[\"node") == partitions
           && occurrences(aae, "\",\"node") >= partitions;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(anti_entropy_tests, fixture)

CAF_TEST(a replica that missed writes converges without reads) {
  cluster.kill(3);
  const size_t keys = 10000;
  const std::string value(100, 'v');
  std::string commands;
  for (size_t k = 0; k < keys; ++k)
    commands += "put key" + std::to_string(k) + " " + value + "\n";
  auto out = batch(1, commands);
  CAF_REQUIRE_EQUAL(occurrences(out, "\"ok\":true"), keys);
  auto restarted = std::chrono::steady_clock::now();
  CAF_REQUIRE(cluster.start(3));
  bool done = false;
  for (int tries = 0; tries < 600 && !done; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    done = converged(3) && converged(1) && converged(2);
  }
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - restarted);
  CAF_REQUIRE(done);
  int64_t bytes = 0;
  int64_t repaired = 0;
  for (size_t i = 1; i <= 3; ++i) {
    auto aae = cluster.console(i, "aae");
    bytes += json_number_field(aae, "bytes");
    repaired += json_number_field(aae, "keys_repaired");
  }
  auto data = static_cast<int64_t>(keys * (value.size() + 8));
  CAF_MESSAGE("converged " << took.count() << " ms after the restart; "
                           << repaired << " keys repaired, " << bytes
                           << " payload bytes exchanged for " << data
                           << " bytes of data");
  CAF_CHECK_GREATER_OR_EQUAL(repaired, static_cast<int64_t>(keys));
  // Node 3 alone, with the others gone, has every key.
  cluster.kill(1);
  cluster.kill(2);
  auto reads = batch(3, "get key0 --r=1\nget key4321 --r=1\nget key9999 "
                        "--r=1\n");
  CAF_CHECK_EQUAL(occurrences(reads, "\"values\":[\"" + value + "\"]"), 3u);
}

CAF_TEST(replicas in sync exchange only their roots) {
  CAF_REQUIRE(has(cluster.console(1, "put a b"), "\"ok\":true"));
  bool done = false;
  for (int tries = 0; tries < 200 && !done; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    done = converged(1) && converged(2) && converged(3);
  }
  CAF_REQUIRE(done);
  auto before = cluster.console(1, "aae");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto after = cluster.console(1, "aae");
  auto exchanges
    = json_number_field(after, "exchanges") - json_number_field(before, "exchanges");
  auto bytes = json_number_field(after, "bytes") - json_number_field(before, "bytes");
  CAF_CHECK_GREATER(exchanges, 0);
  // One root hash (8 bytes) per exchange of identical replicas.
  CAF_CHECK_EQUAL(bytes, exchanges * 8);
  CAF_CHECK_EQUAL(json_number_field(after, "keys_repaired"),
                  json_number_field(before, "keys_repaired"));
}

CAF_TEST_FIXTURE_SCOPE_END()
