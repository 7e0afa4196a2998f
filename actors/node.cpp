#include "actors/node.hpp"

#include <cinttypes>
#include <cstdio>
#include <random>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/logging.hpp"
#include "actors/node_supervisor.hpp"
#include "actors/request_router.hpp"
#include "messages/errors.hpp"
#include "transport/transport.hpp"

namespace dkv {

namespace {

/// Meta key of the clock identity. DO NOT CHANGE: persisted.
constexpr const char* incarnation_meta_key = "incarnation.v1";

/// Meta key of the ring's partition count, fixed when the data directory is
/// created. DO NOT CHANGE: persisted.
constexpr const char* partitions_meta_key = "partitions.v1";

/// Q is fixed for the life of a data directory: every stored key's
/// partition depends on it.
caf::error check_partitions(storage::storage_engine& engine, uint32_t q) {
  std::string text;
  auto st = engine.get_meta(partitions_meta_key, text);
  if (st.not_found()) {
    if (auto put = engine.put_meta(partitions_meta_key, std::to_string(q));
        !put.ok())
      return make_error(dkv_errc::storage_failure, put.message);
    return caf::none;
  }
  if (!st.ok())
    return make_error(dkv_errc::storage_failure, st.message);
  if (text != std::to_string(q))
    return make_error(dkv_errc::invalid_argument,
                      "dkv.partitions: " + std::to_string(q)
                        + " differs from the " + text
                        + " partitions this data directory was created with");
  return caf::none;
}

} // namespace

caf::expected<std::shared_ptr<node_storage>>
open_node_storage(const node_settings& s) {
  storage::bdb_options opts;
  opts.directory = s.data_dir;
  opts.cache_bytes = static_cast<size_t>(s.cache_bytes);
  opts.default_mode = s.durability == sync_policy::all
                        ? storage::durability::sync
                        : storage::durability::write_no_sync;
  storage::status st;
  auto engine = storage::open_bdb_engine(opts, st);
  if (!engine)
    return make_error(dkv_errc::storage_failure,
                      "cannot open data directory " + s.data_dir + ": "
                        + st.message);
  auto result = std::make_shared<node_storage>();
  if (s.record_cache_bytes > 0) {
    result->cache = std::make_shared<storage::record_cache>(
      static_cast<size_t>(s.record_cache_bytes));
    engine = storage::make_cached_engine(std::move(engine), result->cache);
  }
  result->engine = std::move(engine);
  result->store = std::make_unique<storage::object_store>(*result->engine,
                                                          s.limits);
  return result;
}

caf::expected<replica_id>
load_or_create_incarnation(storage::storage_engine& engine) {
  std::string text;
  auto st = engine.get_meta(incarnation_meta_key, text);
  if (st.ok()) {
    replica_id id = 0;
    if (std::sscanf(text.c_str(), "%" SCNx64, &id) == 1 && id != 0)
      return id;
    return make_error(dkv_errc::storage_failure,
                      "corrupt clock identity in metadata: '" + text + "'");
  }
  if (!st.not_found())
    return make_error(dkv_errc::storage_failure, st.message);
  std::random_device entropy;
  replica_id id = 0;
  while (id == 0)
    id = (uint64_t{entropy()} << 32) ^ entropy();
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, id);
  if (auto put = engine.put_meta(incarnation_meta_key, buf); !put.ok())
    return make_error(dkv_errc::storage_failure, put.message);
  // The identity must survive a power loss before any dot uses it.
  if (auto synced = engine.sync(); !synced.ok())
    return make_error(dkv_errc::storage_failure, synced.message);
  return id;
}

caf::expected<running_node>
start_node(caf::actor_system& sys, const node_settings& s, bool publish,
           std::shared_ptr<node_storage> storage) {
  if (auto why = validate(s); !why.empty())
    return make_error(dkv_errc::invalid_argument, why);
  if (!storage) {
    auto opened = open_node_storage(s);
    if (!opened)
      return std::move(opened.error());
    storage = std::move(*opened);
  }
  if (auto err = check_partitions(*storage->engine, s.partitions))
    return err;
  auto incarnation = load_or_create_incarnation(*storage->engine);
  if (!incarnation)
    return std::move(incarnation.error());
  running_node node;
  node.incarnation = *incarnation;
  node.storage = storage;
  router_config rcfg;
  rcfg.settings = s;
  rcfg.store = std::shared_ptr<storage::object_store>(storage,
                                                      storage->store.get());
  rcfg.cache = storage->cache;
  rcfg.incarnation = node.incarnation;
  supervisor_config scfg;
  scfg.router = std::move(rcfg);
  scfg.port = publish ? s.port : 0;
  node.supervisor = spawn_node_supervisor(sys, std::move(scfg));
  caf::scoped_actor self{sys};
  self->request(node.supervisor, caf::infinite, caf::get_atom::value)
    .receive([&](caf::actor& router) { node.router = router; },
             [&](caf::error&) {});
  if (!node.router)
    return make_error(dkv_errc::unavailable, "the node's supervisor died");
  if (publish) {
    auto port = publish_on_transport(sys,
                                     caf::actor_cast<node_actor>(node.router),
                                     s.port, s.host.c_str(), true);
    if (!port) {
      caf::anon_send_exit(node.supervisor, caf::exit_reason::user_shutdown);
      return make_error(dkv_errc::unavailable,
                        "cannot listen on " + s.address() + ": "
                          + sys.render(port.error()));
    }
    node.port = *port;
  }
  return node;
}

void stop_node(caf::actor_system&, running_node& node) {
  if (node.supervisor)
    caf::anon_send_exit(node.supervisor, caf::exit_reason::user_shutdown);
  node.supervisor = nullptr;
  node.router = nullptr;
}

} // namespace dkv
