#pragma once

// What a node remembers of recently reaped tombstones (DESIGN.md
// "Deletes"). Pure logic.
//
// A reap removes a tombstone everywhere, but a version older than the
// tombstone can still be on its way: a replication, a read repair, an
// anti-entropy repair or a handoff that started before the reap. Arriving
// after it, that version would find nothing to lose against and bring the
// deleted value back (and, on the node that issued its dots, let the clock
// run backwards and issue a dot twice). So every node the reaper asked
// remembers the reaped clock for a while, whether it held a copy or not,
// and drops whatever that clock covers.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "messages/inspect.hpp"
#include "messages/object.hpp"

namespace dkv::detail {

class reaped_memory {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// Remembers that `key`'s versions covered by `clock` were reaped; they are
  /// dropped on arrival until `until`.
  void remember(const std::string& key, const version_vector& clock,
                time_point until);

  /// Removes from `incoming` the siblings a remembered reap covered (the
  /// object may end up with no sibling: nothing newer than the reap).
  /// Forgets the key's entry if it expired.
  void filter(object& incoming, time_point now);

  /// Forgets every entry that expired before `now`.
  void expire(time_point now);

  size_t size() const {
    return entries_.size();
  }

  /// Calls `visit(key, clock, until)` for every entry.
  template <class F>
  void for_each(F visit) const {
    for (auto& [key, e] : entries_)
      visit(key, e.clock, e.until);
  }

private:
  struct entry {
    version_vector clock;
    time_point until;
  };
  std::map<std::string, entry> entries_;
};

/// What a node persists of its reaped memory, per partition, so that a
/// restart does not forget a reap while older versions may still be on
/// their way (storage/FORMAT.md "reaped.v1.<p>"). Durations, not dates: a
/// restarted node remembers each entry for what was left of it when it was
/// written (longer than needed, never shorter, whatever the wall clock did).
struct reaped_record {
  std::vector<std::string> keys;
  std::vector<version_vector> clocks;
  std::vector<uint64_t> remaining_ms;
};

DKV_INSPECT(reaped_record, x.keys, x.clocks, x.remaining_ms)

/// The persisted form of `memory` at `now` (expired entries left out).
reaped_record to_record(const reaped_memory& memory,
                        reaped_memory::time_point now);

/// Adds the entries of `record` to `memory`, each remembered from `now` for
/// its remaining time. Ignores a record whose vectors disagree in length.
void restore(reaped_memory& memory, const reaped_record& record,
             reaped_memory::time_point now);

} // namespace dkv::detail
