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
#include <map>
#include <string>

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

private:
  struct entry {
    version_vector clock;
    time_point until;
  };
  std::map<std::string, entry> entries_;
};

} // namespace dkv::detail
