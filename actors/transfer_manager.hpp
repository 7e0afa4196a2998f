#pragma once

// Moves data after a committed join or leave (paper §4.9; DESIGN.md
// "Partition transfer"). One per node, spawned and monitored by the router.
//
// - Source side: for every partition whose source in the current transition
//   is this node and that has not flipped, it runs a partition_transfer to
//   the partition's gainers, at most transfer_concurrency at a time and all
//   together within transfer_rate bytes per second. When one finished, it
//   tells the gossiper to flip the partition (partition_moved_atom). A
//   failed transfer is retried after a pause; the target's resume point
//   makes the retry continue where the last acknowledged batch ended.
// - Loser side: a partition this node holds but no longer replicates (it
//   left its preference list, or it was a substitute) is retired: the router
//   stops serving it, one anti-entropy exchange with each of its primaries
//   makes sure they hold everything this copy holds, and only then is its
//   database dropped. Not while hints of it are pending here, nor while any
//   primary is unreachable.
//
// Messages: view_atom + cluster_view (from the router); (grant_atom, bytes)
// -> grant_atom (from its transfers); transfers_request_v1 ->
// transfers_reply_v1 (delegated by the router).

#include <memory>

#include "caf/actor.hpp"
#include "caf/fwd.hpp"

#include "actors/node_settings.hpp"
#include "storage/hint_store.hpp"
#include "storage/object_store.hpp"

namespace dkv {

struct transfer_manager_config {
  node_settings settings;
  std::shared_ptr<storage::object_store> store;
  std::shared_ptr<storage::hint_store> hints;
  caf::actor router;
  caf::actor gossiper;
};

caf::actor spawn_transfer_manager(caf::actor_system& sys,
                                  transfer_manager_config cfg);

} // namespace dkv
