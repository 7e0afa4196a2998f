#pragma once

// Answers replica reads of open partitions from the store (thread-safe),
// for the router, beside the partitions' vnodes. A read queued in a vnode's
// mailbox waited for everything before it there: writes, and long steps
// such as an anti-entropy fold of the whole partition. The router stays a
// quick dispatcher: it does not read itself, so writes passing through it
// do not wait behind reads. Stateless; the router spawns one per scheduler
// thread, hands reads out in turn and respawns one that dies.

#include <memory>

#include "caf/fwd.hpp"

#include "messages/replica_reader_protocol.hpp"
#include "storage/object_store.hpp"

namespace dkv {

struct replica_reader_config {
  std::shared_ptr<storage::object_store> store;
};

replica_reader_actor spawn_replica_reader(caf::actor_system& sys,
                                          replica_reader_config cfg);

} // namespace dkv
