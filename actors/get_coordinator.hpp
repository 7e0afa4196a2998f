#pragma once

// One get (paper §4.5, §5; like Riak's get FSM): ask every replica, answer
// after R replies with the causally maximal versions, keep listening for the
// rest, then write the merged object back to replicas that were stale or
// missing it (read repair).
//
//   waiting_for_r --R replies--> waiting_for_rest --all in--> repairing -> exit
//        |                                          (or timed out)
//   R out of reach -> quorum_unavailable
//
// Per-request actor: never restarted; `finish` always gets called once.

#include <functional>
#include <vector>

#include "caf/fwd.hpp"
#include "caf/timespan.hpp"

#include "actors/replica_target.hpp"

namespace dkv {

struct get_coordinator_config {
  uint32_t partition = 0;
  std::string key;
  std::vector<replica_target> targets;
  size_t r = 2;
  caf::timespan timeout;
  /// Called exactly once: the merged object of the first R replies (no
  /// siblings: not found), or the error.
  std::function<void(caf::expected<object>)> finish;
  /// Called once per read-repair write sent (for stats); may be empty.
  std::function<void(const std::string& node)> on_repair;
};

caf::actor spawn_get_coordinator(caf::actor_system& sys,
                                 get_coordinator_config cfg);

} // namespace dkv
