// Five real dkv-node processes: two home replicas of a key die, writes still
// succeed through substitutes (sloppy quorum), and once the owners are back
// the hints are delivered and the home replicas alone serve the data.

#include "caf/test/unit_test.hpp"

#include <chrono>
#include <set>
#include <thread>

#include "fixtures/process_cluster.hpp"

using namespace dkv::test;
using clock_type = std::chrono::steady_clock;

namespace {

/// The node names in a preflist reply, in order.
std::vector<std::string> nodes_of(const std::string& json) {
  std::vector<std::string> result;
  auto pos = json.find("\"nodes\":[");
  while (pos != std::string::npos) {
    pos = json.find("\"node", pos + 1);
    if (pos == std::string::npos)
      break;
    auto end = json.find('"', pos + 1);
    result.push_back(json.substr(pos + 1, end - pos - 1));
    pos = end;
  }
  return result;
}

size_t index_of(const std::string& name) {
  return std::stoul(name.substr(4)); // "nodeI"
}

long ms_since(clock_type::time_point t) {
  return static_cast<long>(
    std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t)
      .count());
}

} // namespace

CAF_TEST(writes survive two dead home replicas and reach them later) {
  process_cluster cluster{5,
                          {"--dkv.partitions=16", "--dkv.n=3", "--dkv.r=2",
                           "--dkv.w=2", "--dkv.request-timeout=1s",
                           "--dkv.connect-retry=200ms"}};
  CAF_REQUIRE(cluster.start_all());
  auto homes = nodes_of(cluster.console(1, "preflist hot"));
  CAF_REQUIRE_EQUAL(homes.size(), 3u);
  std::set<size_t> home_ids;
  for (auto& h : homes)
    home_ids.insert(index_of(h));
  std::vector<size_t> others;
  for (size_t i = 1; i <= 5; ++i)
    if (home_ids.count(i) == 0)
      others.push_back(i);
  auto first = index_of(homes[0]);
  auto b = index_of(homes[1]);
  auto c = index_of(homes[2]);
  // Two of the key's three home replicas die.
  auto killed_at = clock_type::now();
  cluster.kill(b);
  cluster.kill(c);
  auto down = "\"name\":\"" + homes[2] + "\",\"address\":\"127.0.0.1:"
              + std::to_string(cluster.port(c)) + "\",\"status\":\"down\"";
  CAF_CHECK(has(cluster.await(first, "members", down), down));
  CAF_MESSAGE("failure detected after " << ms_since(killed_at) << " ms");
  // Always writable: W=2 from the surviving home plus a substitute, through
  // any node.
  for (int i = 0; i < 10; ++i)
    CAF_CHECK(
      has(cluster.console(others[i % 2],
                          "put hot v" + std::to_string(i) + " --context="
                            + json_string_field(
                              cluster.console(first, "get hot"), "context")),
          "\"ok\":true"));
  for (int i = 0; i < 20; ++i)
    CAF_CHECK(has(cluster.console(first, "put key" + std::to_string(i) + " x"),
                  "\"ok\":true"));
  auto pending = std::string{};
  for (auto i : others)
    pending += cluster.console(i, "status");
  CAF_CHECK(has(pending, "hints.pending." + homes[1]));
  // The owners return; the hints drain.
  auto back_at = clock_type::now();
  CAF_REQUIRE(cluster.start(b));
  CAF_REQUIRE(cluster.start(c));
  bool drained = false;
  while (!drained && ms_since(back_at) < 30000) {
    drained = true;
    for (size_t i = 1; i <= 5; ++i)
      drained = drained
                && has(cluster.console(i, "status"), "\"hints.pending\":\"0\"");
    if (!drained)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CAF_CHECK(drained);
  CAF_MESSAGE("hints delivered " << ms_since(back_at) << " ms after restart");
  // Only the home replicas remain: R=3 must find the last write on them.
  for (auto i : others)
    cluster.kill(i);
  auto read = cluster.await(first, "get hot --r=3", "\"v9\"");
  CAF_CHECK(has(read, "\"values\":[\"v9\"]"));
}
