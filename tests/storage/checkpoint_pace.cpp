// The background checkpoint's pace: its write-back spreads over half the
// time until the next checkpoint, within bounds that keep it finishing.

#include "storage/checkpoint_pace.hpp"

#include "caf/test/unit_test.hpp"

using namespace dkv::storage;
using namespace std::chrono_literals;
using std::chrono::microseconds;

namespace {

/// How long writing back `pages` at `pace` pauses in total.
microseconds paused(const checkpoint_pace& pace, uint64_t pages) {
  if (pace.pages_per_burst == 0)
    return 0us;
  auto bursts = (pages + pace.pages_per_burst - 1) / pace.pages_per_burst;
  return pace.pause * static_cast<int64_t>(bursts);
}

} // namespace

CAF_TEST(the write back spreads over half the interval) {
  auto pace = pace_checkpoint(8000, 1600ms);
  CAF_CHECK_EQUAL(pace.pages_per_burst, 16u);
  CAF_CHECK_EQUAL(pace.pause, 1600us);
  CAF_CHECK_EQUAL(paused(pace, 8000), 800ms);
}

CAF_TEST(a checkpoint spreads over at most a second) {
  auto pace = pace_checkpoint(8000, 60s);
  CAF_CHECK_EQUAL(paused(pace, 8000), 1s);
}

CAF_TEST(a few dirty pages pause at most ten milliseconds a burst) {
  auto pace = pace_checkpoint(64, 60s);
  CAF_CHECK_EQUAL(pace.pause, 10ms);
  CAF_CHECK_EQUAL(paused(pace, 64), 40ms);
}

CAF_TEST(a checkpoint that cannot spread runs at full speed) {
  // So many pages for so short an interval that each pause would be
  // shorter than a wake-up is worth.
  CAF_CHECK_EQUAL(pace_checkpoint(1'000'000, 2s).pages_per_burst, 0u);
  // Nothing or almost nothing to write back.
  CAF_CHECK_EQUAL(pace_checkpoint(0, 2s).pages_per_burst, 0u);
  CAF_CHECK_EQUAL(pace_checkpoint(16, 2s).pages_per_burst, 0u);
  // No interval known.
  CAF_CHECK_EQUAL(pace_checkpoint(8000, 0us).pages_per_burst, 0u);
}
