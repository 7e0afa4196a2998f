// dkv-bench against three real dkv-node processes: it loads, runs a workload
// over all three nodes and reports operations and no errors in its JSON.

#include "caf/test/unit_test.hpp"

#include "fixtures/bench_run.hpp"

#include <cstdlib>
#include <string>
#include <sys/wait.h>

using namespace dkv::test;

namespace {

struct fixture {
  process_cluster cluster{3,
                          {"--dkv.partitions=16", "--dkv.n=3", "--dkv.r=2",
                           "--dkv.w=2", "--dkv.request-timeout=2s",
                           "--dkv.log-level=warn"}};

  fixture() { CAF_REQUIRE(cluster.start_all()); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(dkv_bench_smoke_tests, fixture)

CAF_TEST(the bench loads and runs workload A without errors) {
  auto run = run_bench(cluster, 3, "--records=200 --load --workload=A "
                                "--concurrency=4 --duration=1.5 --seed=7");
  CAF_CHECK_EQUAL(run.exit_code, 0);
  // Every record was attempted: "ops" counts the ones that succeeded.
  CAF_CHECK_EQUAL(number_in(run.json, "load", "ops")
                    + number_in(run.json, "load", "errors"),
                  200);
  CAF_CHECK_LESS_OR_EQUAL(number_in(run.json, "load", "errors"),
                          tolerated_errors(200));
  CAF_CHECK_GREATER(number_in(run.json, "run", "ops"), 0);
  CAF_CHECK_LESS_OR_EQUAL(number_in(run.json, "run", "errors"),
                          tolerated_errors(number_in(run.json, "run", "ops")));
  // Loaded records are found.
  CAF_CHECK_LESS_OR_EQUAL(number_in(run.json, "run", "not_found"),
                          tolerated_errors(number_in(run.json, "run", "ops")));
}

CAF_TEST(the bench runs read-modify-writes for a number of operations) {
  auto run = run_bench(cluster, 3, "--records=100 --workload=F "
                                "--distribution=uniform --concurrency=3 "
                                "--ops=150 --w=3");
  CAF_CHECK_EQUAL(run.exit_code, 0);
  CAF_CHECK_EQUAL(number_in(run.json, "run", "ops"), 150);
  CAF_CHECK_LESS_OR_EQUAL(number_in(run.json, "run", "errors"),
                          tolerated_errors(150));
  CAF_CHECK_GREATER(number_in(run.json, "rmw", "count"), 0);
}

CAF_TEST(the bench lets the nodes coordinate when asked) {
  for (auto mode : {"--coordination=node", "--read-fanout=all"}) {
    CAF_MESSAGE(mode);
    auto run = run_bench(cluster, 3, std::string{mode}
                                       + " --records=100 --load --workload=B"
                                         " --concurrency=4 --ops=300");
    CAF_CHECK_EQUAL(run.exit_code, 0);
    CAF_CHECK_EQUAL(number_in(run.json, "run", "ops"), 300);
    CAF_CHECK_LESS_OR_EQUAL(number_in(run.json, "run", "errors"),
                            tolerated_errors(300));
  }
}

CAF_TEST(durable writes are answered through the group commit) {
  // Durable writes commit through each node's log flusher on its own
  // thread: a flusher that never answered would time every write out.
  // With "one" only the coordinator's write is flushed (while the others
  // are asked); with "all" every replica's is.
  for (std::string mode : {"one", "all"}) {
    CAF_MESSAGE("durability " << mode);
    for (size_t i = 1; i <= 3; ++i) {
      cluster.kill(i);
      CAF_REQUIRE(cluster.start_with(i, {"--dkv.durability=" + mode}));
    }
    CAF_REQUIRE(cluster.await_ready());
    auto run = run_bench(cluster, 3, "--records=100 --workload=W "
                                     "--distribution=uniform --concurrency=8 "
                                     "--ops=400");
    CAF_CHECK_EQUAL(run.exit_code, 0);
    CAF_CHECK_EQUAL(number_in(run.json, "run", "ops"), 400);
    CAF_CHECK_LESS_OR_EQUAL(number_in(run.json, "run", "errors"),
                            tolerated_errors(400));
    auto status = cluster.console(2, "status");
    CAF_CHECK(status.find("\"durability\":\"" + mode + "\"")
              != std::string::npos);
    auto stat = [&](const std::string& name) -> uint64_t {
      auto at = status.find("\"" + name + "\":\"");
      return at == std::string::npos
               ? 0
               : std::stoull(status.substr(at + name.size() + 4));
    };
    // Node 2 coordinates about a third of the writes (it is the first
    // home replica of a third of the keys) and, with "all", merges the
    // rest: several share a flush when they come together.
    CAF_CHECK_GREATER_OR_EQUAL(stat("log.flushed_writes"),
                               mode == "one" ? 50u : 200u);
    CAF_CHECK_GREATER(stat("log.flushes"), 0u);
    CAF_CHECK_LESS_OR_EQUAL(stat("log.flushes"),
                            stat("log.flushed_writes"));
    CAF_CHECK_EQUAL(stat("log.flush_failures"), 0u);
  }
}

CAF_TEST(runs after runs on one cluster leave no siblings behind) {
  // Each run is a new process that knows no context: its first write of a
  // key must read it first, or each run adds a sibling to every key it
  // writes and later runs measure ever larger records.
  for (std::string load : {"--load ", "", ""}) {
    auto run = run_bench(cluster, 3, load + "--records=50 --workload=W "
                                            "--distribution=uniform "
                                            "--concurrency=1 --ops=150");
    CAF_CHECK_EQUAL(run.exit_code, 0);
    CAF_CHECK_EQUAL(number_in(run.json, "run", "ops"), 150);
    if (load.empty())
      CAF_CHECK_GREATER(number_in(run.json, "run", "context_reads"), 0);
  }
  // One write at a time: no write was concurrent with another.
  auto read = run_bench(cluster, 3, "--records=50 --workload=C "
                                    "--distribution=uniform "
                                    "--concurrency=1 --ops=200");
  CAF_CHECK_EQUAL(read.exit_code, 0);
  CAF_CHECK_EQUAL(number_in(read.json, "run", "sibling_reads"), 0);
  CAF_CHECK_EQUAL(number_in(read.json, "run", "max_siblings"), 1);
}

CAF_TEST(the bench rejects a bad option and an unreachable node) {
  CAF_CHECK_EQUAL(run_bench(cluster, 3, "--workload=Q").exit_code, 2);
  CAF_CHECK_EQUAL(run_bench(cluster, 3, "--coordination=x").exit_code, 2);
  auto unreachable = std::string{DKV_BINARY_DIR}
                     + "/dkv-bench --nodes=127.0.0.1:1 --duration=1 "
                       ">/dev/null 2>&1";
  auto status = std::system(unreachable.c_str());
  CAF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

CAF_TEST_FIXTURE_SCOPE_END()
