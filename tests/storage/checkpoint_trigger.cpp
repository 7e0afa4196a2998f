// When commits call for a checkpoint: a check of the real log per step of
// estimated log, a background run per step of real log, at full speed when
// behind, and a writer that waits only far behind.

#include "storage/checkpoint_trigger.hpp"

#include "caf/test/unit_test.hpp"

using namespace dkv::storage;

namespace {

constexpr uint64_t mib = 1024 * 1024;

/// Checks per estimated MiB, runs per 8 MiB, full speed 16 MiB behind,
/// writers wait 64 MiB behind.
checkpoint_trigger make_trigger() {
  return checkpoint_trigger{{mib, 8 * mib, 16 * mib, 64 * mib}};
}

/// Commits of 1 KiB, `total` bytes: how many checks fell due.
int write(checkpoint_trigger& trigger, uint64_t total) {
  int due = 0;
  for (uint64_t done = 0; done < total; done += 1024)
    due += trigger.wrote(1024) ? 1 : 0;
  return due;
}

} // namespace

CAF_TEST(a check falls due per step of estimated log) {
  auto trigger = make_trigger();
  CAF_CHECK_EQUAL(write(trigger, mib - 1024), 0);
  CAF_CHECK(trigger.wrote(1024));
  CAF_CHECK_EQUAL(write(trigger, mib / 2), 0);
  CAF_CHECK_EQUAL(write(trigger, 3 * mib), 3);
}

CAF_TEST(a run is asked for per step of real log) {
  auto trigger = make_trigger();
  CAF_CHECK(trigger.check(7 * mib) == checkpoint_step::none);
  CAF_CHECK(trigger.check(8 * mib) == checkpoint_step::background);
  // Asked for at 8 MiB: the next at 16.
  CAF_CHECK(trigger.check(9 * mib) == checkpoint_step::none);
  CAF_CHECK(trigger.check(16 * mib) == checkpoint_step::background);
  // A run that starts later counts from its start.
  trigger.checkpoint_starts(20 * mib);
  CAF_CHECK(trigger.check(25 * mib) == checkpoint_step::none);
  CAF_CHECK(trigger.check(28 * mib) == checkpoint_step::background);
}

/// Runs one checkpoint from `position` to success.
void checkpoint_at(checkpoint_trigger& trigger, uint64_t position) {
  trigger.checkpoint_starts(position);
  trigger.checkpoint_finished();
}

CAF_TEST(the log waits for removal back to the checkpoint before last) {
  auto trigger = make_trigger();
  checkpoint_at(trigger, 8 * mib);
  CAF_CHECK(trigger.behind(16 * mib)); // back to 0: a checkpoint is needed
  checkpoint_at(trigger, 16 * mib);
  CAF_CHECK(!trigger.behind(23 * mib)); // back to 8
  CAF_CHECK(trigger.behind(24 * mib));
  // A checkpoint with no log since the last one writes no record.
  checkpoint_at(trigger, 16 * mib);
  CAF_CHECK(trigger.behind(24 * mib));
}

CAF_TEST(a writer does not wait for a slow background run) {
  auto trigger = make_trigger();
  checkpoint_at(trigger, 0);
  CAF_CHECK(trigger.check(8 * mib) == checkpoint_step::background);
  CAF_CHECK(!trigger.behind(8 * mib));
  trigger.checkpoint_starts(8 * mib);
  // The log grows by 40 MiB while that run writes back the cache.
  CAF_CHECK(trigger.check(48 * mib) == checkpoint_step::background);
  trigger.checkpoint_finished();
  // So the next run catches up at full speed.
  CAF_CHECK(trigger.behind(48 * mib));
  checkpoint_at(trigger, 48 * mib);
  checkpoint_at(trigger, 56 * mib);
  CAF_CHECK(!trigger.behind(64 * mib - 1));
}

CAF_TEST(writers wait when checkpoints fall far behind) {
  auto trigger = make_trigger();
  CAF_CHECK(trigger.check(56 * mib) == checkpoint_step::background);
  CAF_CHECK(trigger.check(64 * mib) == checkpoint_step::wait);
  // Until checkpoints let the log go, every check waits.
  checkpoint_at(trigger, 64 * mib);
  CAF_CHECK(trigger.check(72 * mib) == checkpoint_step::wait);
  checkpoint_at(trigger, 72 * mib);
  CAF_CHECK(trigger.check(80 * mib) == checkpoint_step::background);
  CAF_CHECK(trigger.check(136 * mib) == checkpoint_step::wait);
}

CAF_TEST(a failed checkpoint leaves its log uncovered) {
  auto trigger = make_trigger();
  checkpoint_at(trigger, 0);
  trigger.checkpoint_starts(16 * mib); // and never finishes
  CAF_CHECK(trigger.behind(16 * mib));
  CAF_CHECK(trigger.check(64 * mib) == checkpoint_step::wait);
}

CAF_TEST(an engine that opens far into its log files waits for nothing) {
  // Log file numbers keep growing over a directory's life; recovery at
  // the open ends with a checkpoint.
  auto trigger = make_trigger();
  trigger.opened_at(1000 * mib);
  CAF_CHECK(trigger.check(1001 * mib) == checkpoint_step::none);
  CAF_CHECK(!trigger.behind(1001 * mib));
  CAF_CHECK(trigger.check(1008 * mib) == checkpoint_step::background);
}

CAF_TEST(an unknown log position asks for nothing) {
  auto trigger = make_trigger();
  checkpoint_at(trigger, 80 * mib);
  checkpoint_at(trigger, 88 * mib);
  CAF_CHECK(trigger.check(0) == checkpoint_step::none);
  CAF_CHECK(!trigger.behind(0));
}
