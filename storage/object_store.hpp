#pragma once

// Objects on top of a storage_engine: validates sizes before touching disk,
// encodes records, and merges incoming versions by causality inside one
// transaction. Used by the vnode; no CAF.

#include <cstddef>
#include <optional>
#include <string>

#include "messages/object.hpp"
#include "storage/storage_engine.hpp"

namespace dkv::storage {

/// Input bounds (DESIGN.md "Data model"); a request beyond them is
/// `invalid_argument` before anything is written.
struct object_limits {
  size_t max_key_bytes = 1024;
  size_t max_value_bytes = 1024 * 1024;
  /// A client write that would leave a key with more siblings is refused
  /// (invalid_argument: reconcile first). Merges from replicas are never
  /// refused: repair must not stall on a key a partition filled.
  size_t max_siblings = 100;
};

/// The sibling count above which a key is logged as unhealthy.
inline size_t sibling_warning_threshold(const object_limits& lim) {
  return lim.max_siblings / 4 > 0 ? lim.max_siblings / 4 : 1;
}

/// Checks 1 <= |key| <= max_key_bytes; sets `why` otherwise.
bool valid_key(const std::string& key, const object_limits& lim,
               std::string& why);

/// Checks |value| <= max_value_bytes; sets `why` otherwise.
bool valid_value(const std::string& value, const object_limits& lim,
                 std::string& why);

class object_store {
public:
  object_store(storage_engine& engine, object_limits limits);

  /// Reads `key`; an object without siblings if absent; `corruption` if the
  /// record cannot be decoded.
  status get(partition_id p, const std::string& key, object& result);

  /// Reads the record of `key` as stored (record_codec.hpp), undecoded;
  /// empty if absent. For readers that decode it elsewhere: a corrupt
  /// record shows only there.
  status get_record(partition_id p, const std::string& key,
                    std::string& record);

  /// Merges `incoming` into the stored object of `incoming.key` (reconcile)
  /// in one transaction; `result` receives the merged state and `previous`
  /// (if given) the state it replaced. Skips the write when nothing changes.
  status merge(partition_id p, const object& incoming, object& result,
               write_options opts = {}, object* previous = nullptr);

  /// Coordinates a new write: reads the stored object, applies `req` (new dot
  /// from req.coordinator) and stores the result, all in one transaction.
  status coordinate(partition_id p, const std::string& key,
                    const write_request& req, object& result,
                    write_options opts = {}, object* previous = nullptr);

  /// Sets the incarnation that issues a write's dot from the stored object,
  /// inside the write's transaction (it may run more than once if the
  /// transaction is retried); a failed status aborts the write.
  using coordinator_pick
    = std::function<status(const object& stored, replica_id& coordinator)>;

  /// As above, with `req.coordinator` chosen by `pick` from the stored
  /// object: the key is read once, in the write's transaction.
  status coordinate(partition_id p, const std::string& key,
                    write_request& req, const coordinator_pick& pick,
                    object& result, write_options opts = {},
                    object* previous = nullptr);

  /// Visits every decodable object of partition `p`; a corrupt record is
  /// reported through `on_corrupt` (if given) and skipped.
  status fold(partition_id p, const std::function<bool(const object&)>& visit,
              const std::function<void(const std::string& key)>& on_corrupt
              = nullptr);

  storage_engine& engine() { return engine_; }
  const object_limits& limits() const { return limits_; }

private:
  storage_engine& engine_;
  object_limits limits_;
};

} // namespace dkv::storage
