// The whole cluster in one process under faults (sim_cluster.hpp), checked
// by the history checker. CI runs a fixed set of seeds; DKV_SIM_SEEDS=N runs
// N random seeds, DKV_SIM_SECONDS=T random seeds for T seconds (both: until
// the first limit), ending with a long-run report of operations,
// faults by kind and violations; DKV_SIM_SEED=S replays one seed (a failure
// prints its seed). DKV_SIM_NO_REAP=1 turns tombstone reaping off (on by
// default here, off in dkv-node), and DKV_SIM_LOG=info shows the nodes'
// logs.
// tests/simulation/long-run wraps a long run (CAF's watchdog raised).

#include "caf/test/dsl.hpp"

#include "actors/logging.hpp"
#include "fixtures/sim_cluster.hpp"
#include "fixtures/test_config.hpp"

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>

using namespace dkv;
using namespace dkv::test;

namespace {

sim_report run_seed(uint64_t seed, const sim_options& base) {
  test_coordinator_fixture<dkv_config> fixture;
  auto opts = base;
  opts.seed = seed;
  sim_cluster cluster{fixture.sys, fixture.sched, opts};
  return cluster.run();
}

std::string describe_faults(const fault_counts& f) {
  std::ostringstream out;
  out << f.crashes << " crashes, " << f.restarts << " restarts, " << f.wipes
      << " wipes, " << f.partitions << " partitions, " << f.heals
      << " heals, " << f.dropped << " dropped, " << f.duplicated
      << " duplicated, " << f.delayed << " delayed, " << f.pauses
      << " pauses, " << f.skews << " skews, " << f.disk_faults
      << " full disks, " << f.leaves << " leaves, " << f.joins << " joins, "
      << f.commits << " commits";
  return out.str();
}

uint64_t total(const fault_counts& f) {
  return f.crashes + f.restarts + f.wipes + f.partitions + f.heals + f.dropped
         + f.duplicated + f.delayed + f.pauses + f.skews + f.disk_faults
         + f.leaves + f.joins + f.commits;
}

/// What a run of many seeds survived, for the long-run report.
struct run_totals {
  uint64_t seeds = 0;
  uint64_t failed_seeds = 0;
  uint64_t ops = 0;
  uint64_t acknowledged = 0;
  fault_counts faults;
  std::map<std::string, uint64_t> violations;

  void add(const sim_report& report) {
    ++seeds;
    failed_seeds += report.violations.empty() ? 0 : 1;
    ops += report.ops;
    acknowledged += report.acknowledged;
    auto& f = report.faults;
    faults.crashes += f.crashes;
    faults.restarts += f.restarts;
    faults.wipes += f.wipes;
    faults.partitions += f.partitions;
    faults.heals += f.heals;
    faults.dropped += f.dropped;
    faults.duplicated += f.duplicated;
    faults.delayed += f.delayed;
    faults.pauses += f.pauses;
    faults.skews += f.skews;
    faults.disk_faults += f.disk_faults;
    faults.leaves += f.leaves;
    faults.joins += f.joins;
    faults.commits += f.commits;
    for (auto& v : report.violations)
      ++violations[to_string(v.kind)];
  }

  std::string describe() const {
    std::ostringstream out;
    auto lost = violations.count("lost_write") ? violations.at("lost_write")
                                               : uint64_t{0};
    out << "long-run report: " << seeds << " seeds (" << failed_seeds
        << " with violations), " << ops << " simulated client operations, "
        << acknowledged << " acknowledged writes, " << total(faults)
        << " faults injected (" << describe_faults(faults)
        << "), acknowledged writes lost: " << lost << ", violations:";
    if (violations.empty())
      out << " none";
    for (auto& [kind, n] : violations)
      out << " " << kind << "=" << n;
    return out.str();
  }
};

void expect_clean(uint64_t seed, const sim_report& report) {
  CAF_MESSAGE("seed " << seed << ": " << report.ops << " ops ("
                      << report.acknowledged << " acknowledged writes), "
                      << report.steps
                      << " steps; faults: " << describe_faults(report.faults));
  if (!report.violations.empty()) {
    CAF_MESSAGE("replay with DKV_SIM_SEED=" << seed << ":\n"
                                            << to_string(report.violations));
  }
  CAF_CHECK_EQUAL(report.violations.size(), 0u);
}

} // namespace

CAF_TEST(fixed seeds survive crashes partitions and message loss) {
  // DKV_SIM_LOG=info shows the nodes' logs (one process: no node prefix).
  init_logging("sim",
               std::getenv("DKV_SIM_LOG") ? std::getenv("DKV_SIM_LOG") : "off");
  sim_options opts;
  if (auto replay = std::getenv("DKV_SIM_SEED")) {
    auto seed = std::strtoull(replay, nullptr, 10);
    expect_clean(seed, run_seed(seed, opts));
    return;
  }
  size_t random_seeds = 0;
  if (auto many = std::getenv("DKV_SIM_SEEDS"))
    random_seeds = std::strtoull(many, nullptr, 10);
  double seconds = 0;
  if (auto limit = std::getenv("DKV_SIM_SECONDS"))
    seconds = std::strtod(limit, nullptr);
  if (random_seeds > 0 || seconds > 0) {
    // Random seeds until either limit is reached (a zero limit: none).
    std::random_device entropy;
    run_totals totals;
    auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now()
                                           - start)
        .count();
    };
    while ((random_seeds == 0 || totals.seeds < random_seeds)
           && (seconds <= 0 || elapsed() < seconds)) {
      auto seed = (uint64_t{entropy()} << 32) | entropy();
      auto report = run_seed(seed, opts);
      expect_clean(seed, report);
      totals.add(report);
    }
    CAF_MESSAGE(totals.describe() << " in " << elapsed() << " s");
    return;
  }
  for (uint64_t seed = 1; seed <= 10; ++seed)
    expect_clean(seed, run_seed(seed, opts));
}
