// A node refuses client requests beyond dkv.max-requests-in-flight with a
// quick `overloaded` and keeps serving once the load drops; a blind write
// that would leave more than dkv.max-siblings siblings is refused.

#include "caf/test/unit_test.hpp"

#include "fixtures/bench_run.hpp"

#include <string>

using namespace dkv::test;

namespace {

struct fixture {
  process_cluster cluster{1,
                          {"--dkv.partitions=8", "--dkv.n=1", "--dkv.r=1",
                           "--dkv.w=1", "--dkv.max-requests-in-flight=2",
                           "--dkv.log-level=warn"}};

  fixture() { CAF_REQUIRE(cluster.start_all()); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(request_limits_tests, fixture)

CAF_TEST(requests beyond the limit are refused as overloaded) {
  auto flood = run_bench(cluster, 1, "--records=100 --workload=W "
                                     "--concurrency=64 --ops=3000");
  auto overloaded = number_in(flood.json, "run", "dkv.overloaded");
  CAF_CHECK_GREATER(overloaded, 0);
  // Nothing else went wrong: every refusal was the quick kind.
  CAF_CHECK_LESS_OR_EQUAL(number_in(flood.json, "run", "errors") - overloaded,
                          tolerated_errors(3000));
  // One request at a time is within the limit: all of them succeed.
  auto calm = run_bench(cluster, 1, "--records=100 --workload=A "
                                    "--concurrency=1 --ops=200");
  CAF_CHECK_EQUAL(calm.exit_code, 0);
  CAF_CHECK_EQUAL(number_in(calm.json, "run", "ops"), 200);
  CAF_CHECK_LESS_OR_EQUAL(number_in(calm.json, "run", "errors"),
                          tolerated_errors(200));
}

CAF_TEST(a limit out of range stops the node with a clear error) {
  // By default a node keeps records for reads and counts them.
  CAF_CHECK(has(cluster.console(1, "status"), "record_cache.hits"));
  cluster.kill(1);
  CAF_CHECK(!cluster.start_with(1, {"--dkv.max-requests-in-flight=0"}, 5000));
  CAF_CHECK(cluster.log(1).find("dkv.max-requests-in-flight: must be in")
            != std::string::npos);
  CAF_CHECK(!cluster.start_with(1, {"--dkv.cache-size=4096"}, 5000));
  CAF_CHECK(has(cluster.log(1), "dkv.cache-size: must be in"));
  CAF_CHECK(!cluster.start_with(1, {"--dkv.record-cache=-1"}, 5000));
  CAF_CHECK(has(cluster.log(1), "dkv.record-cache: must be in"));
  // A bigger cache than the default is taken, and no record cache at all.
  CAF_REQUIRE(cluster.start_with(
    1, {"--dkv.cache-size=268435456", "--dkv.record-cache=0"}));
  CAF_CHECK(ok(cluster.console(1, "put k v")));
  CAF_CHECK(has(cluster.console(1, "get k"), "\"values\":[\"v\"]"));
  CAF_CHECK(!has(cluster.console(1, "status"), "record_cache.hits"));
}

CAF_TEST(a blind write beyond the sibling limit is refused with advice) {
  cluster.kill(1);
  CAF_REQUIRE(cluster.start_with(1, {"--dkv.max-siblings=2"}));
  CAF_CHECK(ok(cluster.console(1, "put hot a")));
  CAF_CHECK(ok(cluster.console(1, "put hot b")));
  auto refused = cluster.console(1, "put hot c");
  CAF_CHECK(has(refused, "invalid_argument"));
  CAF_CHECK(has(refused, "write with its context"));
  CAF_CHECK(has(cluster.log(1), "key.many_siblings"));
  // The refused write changed nothing (reconciling is storage.object_store's
  // test).
  auto read = cluster.console(1, "get hot");
  CAF_CHECK(has(read, "\"a\"") && has(read, "\"b\""));
  CAF_CHECK(!has(read, "\"c\""));
}

CAF_TEST_FIXTURE_SCOPE_END()
