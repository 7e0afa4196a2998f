// Explicit join and leave with partition transfer across real dkv-node
// processes (paper §4.8.1, §4.9): staged changes, plan and commit; the
// moved partitions are streamed while a client keeps writing; afterwards
// every acknowledged write is readable from all N replicas, each member owns
// its share and nobody keeps data of partitions it no longer replicates. A
// receiving node killed in the middle of a transfer resumes it.

#include "caf/test/unit_test.hpp"

#include "fixtures/process_cluster.hpp"

#include <chrono>
#include <sstream>
#include <thread>

using namespace dkv::test;

namespace {

using clock_type = std::chrono::steady_clock;

std::vector<std::string> common_args(const std::string& extra) {
  std::vector<std::string> args{"--dkv.partitions=16",
                                "--dkv.n=3",
                                "--dkv.r=2",
                                "--dkv.w=2",
                                "--dkv.request-timeout=1s",
                                "--dkv.connect-retry=200ms",
                                "--dkv.gossip-interval=200ms",
                                "--dkv.aae-interval=200ms"};
  if (!extra.empty())
    args.push_back(extra);
  return args;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    result.push_back(line);
  return result;
}

int64_t ms_since(clock_type::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           clock_type::now() - t)
    .count();
}

struct cluster_fixture {
  process_cluster cluster;

  explicit cluster_fixture(std::vector<std::string> args)
    : cluster(3, std::move(args)) {
    CAF_REQUIRE(cluster.start_all());
  }

  std::string address(size_t i) const {
    return "127.0.0.1:" + std::to_string(cluster.port(i));
  }

  /// Starts node `i` pointed at node 1 only: running, not a member.
  bool start_outside(size_t i) {
    return cluster.start_with(i, {"--dkv.seeds=[\"" + address(1) + "\"]"});
  }

  /// Waits until node `i` runs ring `version` with nothing moving.
  bool await_ring(size_t i, int version, int wait_ms = 120000) {
    auto needle = "\"ring.version\":\"" + std::to_string(version) + "\"";
    auto deadline = clock_type::now() + std::chrono::milliseconds(wait_ms);
    while (clock_type::now() < deadline) {
      auto status = cluster.console(i, "status");
      if (has(status, needle) && has(status, "\"ring\":\"ready\""))
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  /// Waits until node `i` stores exactly the partitions it replicates.
  bool await_only_own_data(size_t i, int wait_ms = 60000) {
    auto deadline = clock_type::now() + std::chrono::milliseconds(wait_ms);
    std::string status;
    while (clock_type::now() < deadline) {
      status = cluster.console(i, "status");
      auto held = json_string_field(status, "partitions.held");
      auto replicated = json_string_field(status, "partitions.replicated");
      if (!held.empty() && held == replicated)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    CAF_MESSAGE("node" << i << " status: " << status);
    return false;
  }

  std::string puts(const std::string& prefix, size_t from, size_t to,
                   const std::string& value_prefix) {
    std::string commands;
    for (size_t k = from; k < to; ++k)
      commands += "put " + prefix + std::to_string(k) + " " + value_prefix
                  + std::to_string(k) + "\n";
    return commands;
  }

  /// Reads every key with R=N from node `i`; returns how many did not
  /// return exactly their expected value.
  size_t missing(size_t i,
                 const std::vector<std::pair<std::string, std::string>>& kvs) {
    std::string commands;
    for (auto& [key, value] : kvs)
      commands += "get " + key + " --r=3\n";
    auto out = lines_of(cluster.batch(i, commands, "verify"));
    size_t bad = 0;
    for (size_t k = 0; k < kvs.size(); ++k) {
      auto expected = "\"values\":[\"" + kvs[k].second + "\"]";
      if (k >= out.size() || !has(out[k], expected)) {
        if (bad < 5)
          CAF_MESSAGE("missing " << kvs[k].first << ": "
                                 << (k < out.size() ? out[k] : "no output"));
        ++bad;
      }
    }
    return bad;
  }
};

} // namespace

#ifdef __SANITIZE_ADDRESS__
constexpr size_t sanitizer_slowdown = 4; // same paths, fewer keys
#else
constexpr size_t sanitizer_slowdown = 1;
#endif

CAF_TEST(two joins and a leave move data without losing a write) {
  cluster_fixture f{common_args("")};
  auto& cluster = f.cluster;
  const size_t keys = 20000 / sanitizer_slowdown;
  auto loaded = cluster.batch(1, f.puts("key", 0, keys, "v"));
  CAF_REQUIRE_EQUAL(occurrences(loaded, "\"ok\":true"), keys);
  std::vector<std::pair<std::string, std::string>> expected;
  for (size_t k = 0; k < keys; ++k)
    expected.emplace_back("key" + std::to_string(k), "v" + std::to_string(k));
  // Foreground latency without a transfer, for comparison.
  auto quiet = clock_type::now();
  auto baseline = cluster.batch(2, f.puts("base", 0, 1000, "b"), "base");
  auto quiet_ms = ms_since(quiet);
  CAF_REQUIRE_EQUAL(occurrences(baseline, "\"ok\":true"), 1000u);
  for (size_t k = 0; k < 1000; ++k)
    expected.emplace_back("base" + std::to_string(k), "b" + std::to_string(k));
  CAF_REQUIRE(f.start_outside(4));
  CAF_REQUIRE(f.start_outside(5));
  CAF_REQUIRE(has(cluster.await(1, "members", "\"name\":\"node5\""),
                  "\"name\":\"node5\""));
  // A client writes all along.
  std::string written;
  int64_t writer_ms = 0;
  const size_t writes = 3000;
  std::thread writer{[&] {
    auto t = clock_type::now();
    written = cluster.batch(2, f.puts("w", 0, writes, "x"), "writer");
    writer_ms = ms_since(t);
  }};
  CAF_CHECK(ok(cluster.console(1, "join " + f.address(4))));
  CAF_CHECK(ok(cluster.console(1, "join " + f.address(5))));
  auto plan = cluster.console(1, "plan");
  CAF_CHECK(ok(plan));
  CAF_CHECK_GREATER(json_number_field(plan, "partitions_moving"), 0);
  auto committed = clock_type::now();
  // One console session, so the members listing follows the commit at
  // once: a separate console took 200-300 ms under ASan, and the
  // transfer of the sanitizer build's smaller data set finished in 594 ms
  // on CI, after which the new members are "up", not "joining".
  auto after_commit
    = lines_of(cluster.batch(1, "commit\nmembers\n", "commit"));
  CAF_REQUIRE_EQUAL(after_commit.size(), 2u);
  auto& commit = after_commit[0];
  CAF_CHECK(has(commit, "\"ok\":true,\"op\":\"commit\""));
  CAF_CHECK_EQUAL(json_number_field(commit, "ring_version"), 2);
  CAF_CHECK(has(after_commit[1], "\"status\":\"joining\""));
  for (size_t i = 1; i <= 5; ++i)
    CAF_REQUIRE(f.await_ring(i, 3));
  auto join_ms = ms_since(committed);
  int64_t keys_sent = 0;
  for (size_t i = 1; i <= 3; ++i)
    keys_sent += std::atoll(
      json_string_field(cluster.console(i, "status"), "transfers.keys_sent")
        .c_str());
  writer.join();
  CAF_MESSAGE("2-node join: " << join_ms << " ms from commit to the new ring, "
                              << keys_sent << " keys streamed ("
                              << keys_sent * 1000 / std::max<int64_t>(join_ms, 1)
                              << " keys/s); puts took "
                              << quiet_ms * 1000 / 1000 << " us each without "
                              << "a transfer, "
                              << writer_ms * 1000 / int64_t{writes}
                              << " us each during it");
  auto acked = lines_of(written);
  size_t acknowledged = 0;
  for (size_t k = 0; k < writes && k < acked.size(); ++k)
    if (ok(acked[k])) {
      ++acknowledged;
      expected.emplace_back("w" + std::to_string(k), "x" + std::to_string(k));
    }
  CAF_MESSAGE(acknowledged << " of " << writes
                           << " writes during the join acknowledged");
  // Leave one of the original three.
  CAF_CHECK(ok(cluster.console(2, "leave node3")));
  CAF_CHECK(ok(cluster.console(2, "commit")));
  for (size_t i : {1, 2, 4, 5})
    CAF_REQUIRE(f.await_ring(i, 5));
  CAF_CHECK_EQUAL(f.missing(4, expected), 0u);
  // Everyone owns its share (16 partitions over 4 members) ...
  auto members = cluster.console(1, "members");
  CAF_CHECK_EQUAL(occurrences(members, "\"partitions\":4"), 4u);
  CAF_CHECK(has(members, "\"name\":\"node3\""));
  // ... and keeps only the data it replicates; the leaver keeps none.
  for (size_t i : {1, 2, 4, 5})
    CAF_CHECK(f.await_only_own_data(i));
  CAF_CHECK(has(cluster.await(3, "status", "\"partitions.held\":\"0\"", 60000),
                "\"partitions.held\":\"0\""));
}

CAF_TEST(a transfer resumes after the receiving node is killed) {
  // Slow transfers (20 kB/s per source) of partitions of two batches each
  // (512 keys per batch) leave time to kill the receiver between batches.
  cluster_fixture f{common_args("--dkv.transfer-rate=20000")};
  auto& cluster = f.cluster;
  const size_t keys = 12000;
  auto loaded = cluster.batch(1, f.puts("key", 0, keys, "v"));
  CAF_REQUIRE_EQUAL(occurrences(loaded, "\"ok\":true"), keys);
  CAF_REQUIRE(f.start_outside(4));
  CAF_REQUIRE(has(cluster.await(1, "members", "\"name\":\"node4\""),
                  "\"name\":\"node4\""));
  CAF_REQUIRE(ok(cluster.console(1, "join " + f.address(4))));
  CAF_REQUIRE(ok(cluster.console(1, "commit")));
  // Kill it once some batch of some partition reached it.
  bool streaming = false;
  for (int tries = 0; tries < 300 && !streaming; ++tries) {
    for (size_t i = 1; i <= 3 && !streaming; ++i) {
      auto t = cluster.console(i, "transfers");
      streaming = has(t, "\"state\":\"streaming\",\"keys\":512");
    }
    if (!streaming)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CAF_REQUIRE(streaming);
  cluster.kill(4);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CAF_REQUIRE(cluster.start(4));
  for (size_t i = 1; i <= 4; ++i)
    CAF_REQUIRE(f.await_ring(i, 3, 180000));
  CAF_CHECK(has(cluster.log(4), "resume=true"));
  std::vector<std::pair<std::string, std::string>> expected;
  for (size_t k = 0; k < keys; ++k)
    expected.emplace_back("key" + std::to_string(k), "v" + std::to_string(k));
  CAF_CHECK_EQUAL(f.missing(4, expected), 0u);
  for (size_t i = 1; i <= 4; ++i)
    CAF_CHECK(f.await_only_own_data(i));
}

CAF_TEST(bad membership changes get clear errors and change nothing) {
  cluster_fixture f{{"--dkv.partitions=16", "--dkv.n=2", "--dkv.r=1",
                     "--dkv.w=1", "--dkv.request-timeout=1s",
                     "--dkv.connect-retry=200ms",
                     "--dkv.gossip-interval=200ms"}};
  auto& cluster = f.cluster;
  auto ring = cluster.console(1, "ring");
  // A node of another cluster.
  CAF_REQUIRE(cluster.start_with(
    4, {"--dkv.cluster=other", "--dkv.seeds=[\"" + f.address(4) + "\"]"}));
  auto foreign = cluster.console(1, "join " + f.address(4));
  CAF_CHECK(has(foreign, "\"ok\":false"));
  CAF_CHECK(has(foreign, "other"));
  // Nobody there.
  CAF_CHECK(has(cluster.console(1, "join 127.0.0.1:1"), "no dkv node answers"));
  // A member again; an unknown member.
  CAF_CHECK(has(cluster.console(1, "join " + f.address(2)), "member already"));
  CAF_CHECK(has(cluster.console(1, "leave node9"), "not a member"));
  // Nothing staged.
  CAF_CHECK(has(cluster.console(1, "commit"), "nothing staged"));
  // A down node only with --force.
  cluster.kill(3);
  CAF_REQUIRE(has(cluster.await(1, "members", "\"status\":\"down\""),
                  "\"status\":\"down\""));
  auto down = cluster.console(1, "leave node3");
  CAF_CHECK(has(down, "is down"));
  CAF_CHECK(has(down, "--force"));
  // Changes stay staged on node 1 until commit or clear.
  auto session = cluster.batch(1, "leave node3 --force\nleave node2\nleave "
                                  "node3 --force\nplan\nclear\n",
                               "staging");
  auto out = lines_of(session);
  CAF_REQUIRE_EQUAL(out.size(), 5u);
  CAF_CHECK(ok(out[0]));
  CAF_CHECK(has(out[1], "fewer than N=2")); // the last N members stay
  CAF_CHECK(has(out[2], "staged already")); // twice
  CAF_CHECK(has(out[3], "\"partitions_moving\":"));
  CAF_CHECK(ok(out[4]));
  // Nothing changed.
  CAF_CHECK_EQUAL(cluster.console(1, "ring"), ring);
  CAF_CHECK(has(cluster.console(1, "plan"), "\"staged\":[]"));
}
