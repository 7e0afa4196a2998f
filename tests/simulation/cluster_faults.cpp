// The whole cluster in one process under faults (sim_cluster.hpp), checked
// by the history checker. CI runs a fixed set of seeds; DKV_SIM_SEEDS=N runs
// N random seeds and DKV_SIM_SEED=S replays one (a failure prints its seed).
// DKV_SIM_NO_REAP=1 turns tombstone reaping off (on by default, as in
// dkv-node), and DKV_SIM_LOG=info shows the nodes' logs. Long runs need
// CAF's watchdog raised: dkv-test-simulation -r 3600 -s '^simulation\.cluster_faults$'.

#include "caf/test/dsl.hpp"

#include "actors/logging.hpp"
#include "fixtures/sim_cluster.hpp"
#include "fixtures/test_config.hpp"

#include <cstdlib>
#include <random>

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

void expect_clean(uint64_t seed, const sim_report& report) {
  CAF_MESSAGE(
    "seed " << seed << ": " << report.ops << " ops (" << report.acknowledged
            << " acknowledged writes), " << report.steps
            << " steps; faults: " << report.faults.crashes << " crashes, "
            << report.faults.restarts << " restarts, " << report.faults.wipes
            << " wipes, " << report.faults.partitions << " partitions, "
            << report.faults.dropped << " dropped, " << report.faults.duplicated
            << " duplicated, " << report.faults.delayed << " delayed, "
            << report.faults.pauses << " pauses, " << report.faults.skews
            << " skews, " << report.faults.disk_faults << " full disks, "
            << report.faults.leaves << " leaves, "
            << report.faults.joins << " joins, " << report.faults.commits
            << " commits");
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
  if (random_seeds > 0) {
    std::random_device entropy;
    for (size_t i = 0; i < random_seeds; ++i) {
      auto seed = (uint64_t{entropy()} << 32) | entropy();
      expect_clean(seed, run_seed(seed, opts));
    }
    return;
  }
  for (uint64_t seed = 1; seed <= 10; ++seed)
    expect_clean(seed, run_seed(seed, opts));
}
