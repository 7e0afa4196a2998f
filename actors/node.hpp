#pragma once

// Starting and stopping one dkv node inside an actor system: opens the
// node's storage, establishes its clock identity, spawns its actors and
// publishes its entry point. Used by dkv-node and by in-process tests.

#include <cstdint>
#include <memory>
#include <string>

#include "caf/actor.hpp"
#include "caf/expected.hpp"
#include "caf/fwd.hpp"

#include "actors/node_settings.hpp"
#include "messages/version_vector.hpp"
#include "storage/object_store.hpp"
#include "storage/record_cache.hpp"

namespace dkv {

/// The storage of one node: the engine and the object layer on top of it.
struct node_storage {
  /// Null when dkv.record-cache is 0.
  std::shared_ptr<storage::record_cache> cache;
  std::unique_ptr<storage::storage_engine> engine;
  std::unique_ptr<storage::object_store> store;
};

struct running_node {
  caf::actor supervisor; // stop it to stop the node
  caf::actor router;     // the entry point at start (restarts replace it)
  uint16_t port = 0; // actual port (0 when not published)
  replica_id incarnation = 0;
  std::shared_ptr<node_storage> storage;
};

/// Opens the Berkeley DB environment under `s.data_dir` (creating it).
caf::expected<std::shared_ptr<node_storage>>
open_node_storage(const node_settings& s);

/// Reads this data directory's clock identity, drawing and durably storing
/// a fresh random one if the directory is new (or was wiped).
caf::expected<replica_id> load_or_create_incarnation(storage::storage_engine&);

/// Validates `s`, opens storage (unless `storage` is given), spawns the
/// node's supervisor and, if `publish`, publishes the router on
/// s.host:s.port.
caf::expected<running_node>
start_node(caf::actor_system& sys, const node_settings& s, bool publish = true,
           std::shared_ptr<node_storage> storage = nullptr);

/// Stops the node's actors (in-flight requests get an error).
void stop_node(caf::actor_system& sys, running_node& node);

} // namespace dkv
