#pragma once

// Schedules anti-entropy (paper §4.7; DESIGN.md "Anti-entropy"): every
// aae_interval, while fewer than aae_concurrency exchanges run, it starts
// one exchange (actors/aae_exchange.hpp) for the next partition this node
// replicates, with the next usable peer replica of that partition in turn.
// The limit keeps anti-entropy from starving foreground requests. On the
// same tick it starts a tombstone-reaping round (actors/tombstone_reaper.hpp)
// for the next partition this node is the first primary of, but only while
// every node of the directory is usable.
//
//   view_atom, cluster_view    the router forwards every new view
//   aae_request_v1 -> aae_reply_v1   progress per partition (console `aae`)
//   get_atom -> std::vector<stat_entry>   totals for `status`
//
// Local replicas are reached through the router (which delegates to the
// partition's vnode), so a vnode restarted after a crash is found again.

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "actors/node_settings.hpp"

namespace dkv {

struct entropy_config {
  node_settings settings;
  caf::actor router;
};

caf::actor spawn_entropy_manager(caf::actor_system& sys, entropy_config cfg);

} // namespace dkv
