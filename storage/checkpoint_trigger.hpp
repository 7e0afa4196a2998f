#pragma once

// When the log written by commits calls for a checkpoint, and who runs it.
// A checkpoint lets DB_LOG_AUTO_REMOVE delete the log files written before
// it started, and bounds recovery; it runs on a background thread, paced
// so that its write-back does not compete with requests. Writers that
// outrun the paced runs (1 KiB values at W load: 16 MiB more log while one
// paced run still wrote back the cache) must not wait for one: a writer
// that did stalled its node's requests for up to 3.3 s, behind the paced
// run and then its own. The next run goes at full speed instead; only a
// log that outgrows even those (a disk slower than the writes) makes
// writers wait, so that it stays bounded.
//
// Berkeley DB keeps the log back to the start of the checkpoint before the
// last one: that is what "behind" measures.
//
// Commits only estimate their log volume (an overwrite also logs the old
// value, a page split whole pages: 1 MiB overwrites log about 4 MiB), so
// the estimate only paces the checks of the log's real end.

#include <atomic>
#include <cstdint>

namespace dkv::storage {

enum class checkpoint_step {
  none,       ///< not enough log since the last request
  background, ///< ask the background thread for a run
  wait,       ///< checkpoint now, on the writer's thread
};

struct checkpoint_limits {
  /// Estimated log between two checks of the real log.
  uint64_t check_every;
  /// Log between two checkpoints.
  uint64_t every;
  /// Log waiting for a finished checkpoint beyond which a run goes at full
  /// speed.
  uint64_t catch_up;
  /// ... and beyond which writers wait.
  uint64_t hold;
};

class checkpoint_trigger {
public:
  explicit checkpoint_trigger(checkpoint_limits limits) : limits_(limits) {
    // nop
  }

  /// The engine opened with the log's end at `position`; recovery ended
  /// with a checkpoint, so no older log counts against the limits.
  void opened_at(uint64_t position) {
    requested_ = position;
    covered_ = position;
    last_finished_ = position;
  }

  /// A commit wrote about `bytes` of log: whether to check the log's end
  /// (for one of the writers that cross a step). Thread-safe.
  bool wrote(uint64_t bytes);

  /// What a check finds with the log's end at `position` (0: unknown).
  /// Thread-safe; of concurrent checks, one asks for the run.
  checkpoint_step check(uint64_t position);

  /// Whether a run that starts with the log's end at `position` should
  /// not be paced.
  bool behind(uint64_t position) const {
    return ahead(position, covered_) >= limits_.catch_up;
  }

  /// A checkpoint starts (one at a time) with the log's end at `position`.
  void checkpoint_starts(uint64_t position);

  /// The checkpoint that started last succeeded. Berkeley DB removes only
  /// the log before the start of the checkpoint before it (recovery reads
  /// from there), so that is what goes. One with no log since the last
  /// writes no checkpoint record and changes nothing.
  void checkpoint_finished() {
    if (starting_ <= last_finished_)
      return;
    covered_ = last_finished_.load();
    last_finished_ = starting_;
  }

private:
  /// Log after `mark` (none if the position is unknown, 0).
  static uint64_t ahead(uint64_t position, uint64_t mark) {
    return position > mark ? position - mark : 0;
  }

  const checkpoint_limits limits_;
  /// Estimated log since the last check.
  std::atomic<uint64_t> pending_{0};
  /// The log's end when a run was last asked for or started.
  std::atomic<uint64_t> requested_{0};
  /// Where the last two finished checkpoints started: the log before the
  /// first can go.
  std::atomic<uint64_t> covered_{0};
  std::atomic<uint64_t> last_finished_{0};
  uint64_t starting_ = 0;
};

} // namespace dkv::storage
