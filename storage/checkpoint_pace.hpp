#pragma once

// How fast a background checkpoint writes the cache back. Written back at
// full speed, a checkpoint's burst of page writes competes with the
// requests for the cores and the cache's latches: on a 2-core machine,
// workload W at 50 outstanding had update p99.9 60-71 ms with it, 38-40
// ms without checkpoints at all. Spreading the write-back over half the
// time until the next checkpoint is due (what PostgreSQL calls its
// checkpoint completion target) brought it to 45-47 ms and still finishes
// before the next one, so writers do not catch up with it.

#include <chrono>
#include <cstdint>

namespace dkv::storage {

struct checkpoint_pace {
  /// Pages written between two pauses; 0: no pauses (full speed).
  uint32_t pages_per_burst = 0;
  std::chrono::microseconds pause{0};
};

/// The pace for writing back `dirty_pages` when the previous checkpoint
/// was asked for `interval` ago (the time the log took to grow by one
/// checkpoint's worth at the current load).
checkpoint_pace pace_checkpoint(uint64_t dirty_pages,
                                std::chrono::microseconds interval);

} // namespace dkv::storage
