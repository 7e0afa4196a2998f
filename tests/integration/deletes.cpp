// Deletes across real dkv-node processes: a key deleted while one replica
// is away does not come back when it returns, and its tombstone is reaped
// on every replica only after all of them hold it (never by a timer alone).

#include "caf/test/unit_test.hpp"

#include "fixtures/process_cluster.hpp"

#include <chrono>
#include <cstdlib>
#include <thread>

using namespace dkv::test;

namespace {

/// A counter of `status` (its values are strings).
int64_t stat(const std::string& status, const std::string& name) {
  auto needle = "\"" + name + "\":\"";
  auto i = status.find(needle);
  return i == std::string::npos
           ? -1
           : std::atoll(status.c_str() + i + needle.size());
}

struct fixture {
  process_cluster cluster{3,
                          {"--dkv.partitions=16", "--dkv.n=3", "--dkv.r=2",
                           "--dkv.w=2", "--dkv.request-timeout=1s",
                           "--dkv.connect-retry=200ms",
                           "--dkv.gossip-interval=200ms",
                           "--dkv.aae-interval=20ms", "--dkv.reap-tombstones"}};

  fixture() { CAF_REQUIRE(cluster.start_all()); }

  int64_t reaped_everywhere() {
    int64_t total = 0;
    for (size_t i = 1; i <= 3; ++i)
      if (cluster.running(i))
        total += stat(cluster.console(i, "status"), "reap.tombstones_reaped");
    return total;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(delete_tests, fixture)

CAF_TEST(a delete missed by a replica neither returns nor lingers) {
  CAF_REQUIRE(has(cluster.console(1, "put doomed alive --w=3"), "\"ok\":true"));
  CAF_REQUIRE(has(cluster.console(1, "put keeper stays --w=3"), "\"ok\":true"));
  cluster.kill(3);
  auto read = cluster.console(1, "get doomed");
  auto context = json_string_field(read, "context");
  CAF_REQUIRE(!context.empty());
  CAF_REQUIRE(
    has(cluster.console(1, "del doomed --context=" + context), "\"ok\":true"));
  // Node 3 still holds the value: nobody may reap while it is away.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CAF_CHECK_EQUAL(reaped_everywhere(), 0);
  CAF_CHECK(has(cluster.console(2, "get doomed --r=2"), "\"values\":[]"));
  CAF_REQUIRE(cluster.start(3));
  // Anti-entropy brings the tombstone to node 3, then a reap round removes
  // it from all three replicas.
  int64_t reaped = 0;
  for (int tries = 0; tries < 300 && reaped < 3; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    reaped = reaped_everywhere();
  }
  CAF_CHECK_EQUAL(reaped, 3);
  // Later exchanges find nothing to bring back.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  CAF_CHECK(has(cluster.console(1, "get doomed --r=3"), "\"values\":[]"));
  CAF_CHECK(
    has(cluster.console(1, "get keeper --r=3"), "\"values\":[\"stays\"]"));
  // Node 3 alone has neither the value nor the tombstone left.
  cluster.kill(1);
  cluster.kill(2);
  CAF_CHECK(has(cluster.console(3, "get doomed --r=1"), "\"values\":[]"));
  CAF_CHECK(
    has(cluster.console(3, "get keeper --r=1"), "\"values\":[\"stays\"]"));
}

CAF_TEST(a put concurrent with a delete survives it) {
  CAF_REQUIRE(has(cluster.console(1, "put shared first --w=3"), "\"ok\":true"));
  auto context = json_string_field(cluster.console(1, "get shared"), "context");
  // A writer that never saw "first" writes concurrently with the delete.
  CAF_REQUIRE(has(cluster.console(2, "put shared second"), "\"ok\":true"));
  CAF_REQUIRE(
    has(cluster.console(1, "del shared --context=" + context), "\"ok\":true"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  auto got = cluster.console(3, "get shared --r=3");
  CAF_CHECK(has(got, "\"values\":[\"second\"]"));
}

CAF_TEST_FIXTURE_SCOPE_END()
