#pragma once

// The local persistence interface (paper §5: pluggable engines). Byte-level:
// keys and records are opaque here; storage/record_codec.hpp turns records
// into objects. No CAF, no exceptions: every call returns a status.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dkv::storage {

using partition_id = uint32_t;

enum class status_code : uint8_t {
  ok,
  not_found,
  /// Rejected before touching disk (e.g. an empty or oversized key).
  invalid_argument,
  /// A stored record could not be decoded.
  corruption,
  /// The disk is full (ENOSPC); nothing was written.
  no_space,
  /// Any other I/O or engine failure, including an unwritable directory.
  io_error,
  /// The partition is not open on this engine.
  no_partition,
};

const char* to_string(status_code x);

struct status {
  status_code code = status_code::ok;
  std::string message;

  bool ok() const { return code == status_code::ok; }
  bool not_found() const { return code == status_code::not_found; }
  static status success() { return {}; }
};

/// How hard a commit tries to reach the disk (paper §6.1).
enum class durability : uint8_t {
  /// fsync the log on every commit: survives power loss.
  sync,
  /// write the log to the OS without fsync: survives kill -9 of the process
  /// (Berkeley DB's DB_TXN_WRITE_NOSYNC), not a power loss.
  write_no_sync,
};

struct write_options {
  /// Sync this commit even when the engine's default is write_no_sync (the
  /// paper's "durable writer": one replica of each write syncs).
  bool force_sync = false;
  /// Commit without waiting for the disk even when the engine's default
  /// syncs: the caller acknowledges the write only after flush_log(), so
  /// that concurrent durable writes share one fsync (group commit,
  /// actors/log_flusher.hpp). Ignored when force_sync is set.
  bool defer_sync = false;
};

/// Decides a read-modify-write: given the current record (nothing if absent),
/// returns the record to store, or nothing to leave the key untouched.
/// Returning a status other than ok aborts the transaction with that status.
/// It runs inside the transaction, holding the key's lock: it must not call
/// back into the engine, and it may run more than once (a transaction that
/// lost a deadlock is retried), so it must not have other side effects that
/// a second call would not overwrite.
using update_fn = std::function<status(const std::optional<std::string>& current,
                                       std::optional<std::string>& replacement)>;

/// Visits one record of a fold; returning false stops the fold early. It runs
/// outside any transaction and lock, so it may call into the engine.
using fold_fn = std::function<bool(const std::string& key,
                                   const std::string& record)>;

class storage_engine {
public:
  virtual ~storage_engine();

  /// Opens (creating if absent) the database of partition `p`. Idempotent.
  virtual status open_partition(partition_id p) = 0;

  /// Closes and deletes partition `p` with all its records. Idempotent.
  virtual status drop_partition(partition_id p) = 0;

  /// The partitions that exist on this engine (open or on disk).
  virtual std::vector<partition_id> partitions() = 0;

  /// Reads the record of `key`; `not_found` if absent.
  virtual status get(partition_id p, const std::string& key,
                     std::string& record) = 0;

  /// Writes `record` under `key` in one committed transaction.
  virtual status put(partition_id p, const std::string& key,
                     const std::string& record, write_options opts) = 0;

  /// Removes `key`; ok if it was absent.
  virtual status erase(partition_id p, const std::string& key,
                       write_options opts) = 0;

  /// Read-modify-write of one key in one transaction: no other write to the
  /// key interleaves between reading `current` and storing the replacement.
  virtual status update(partition_id p, const std::string& key,
                        const update_fn& decide, write_options opts) = 0;

  /// Visits every record of partition `p` in key order (bytes compared as
  /// unsigned, a prefix first: std::string's order). Not a snapshot: reads
  /// in short batches, so it sees writes made ahead of its position.
  virtual status fold(partition_id p, const fold_fn& visit) = 0;

  /// Node-level metadata (incarnation id, ring state, ...), outside any
  /// partition. put_meta is on stable storage when it returns ok, with
  /// every commit before it.
  virtual status get_meta(const std::string& key, std::string& value) = 0;
  virtual status put_meta(const std::string& key, const std::string& value) = 0;

  /// Forces everything committed so far to stable storage and writes the
  /// cache back (a checkpoint: the log to replay after a crash is short).
  /// Slow, for rare events such as a start; flush_log() is enough to make
  /// commits durable.
  virtual status sync() = 0;

  /// Forces the log of every commit so far to stable storage, and nothing
  /// more (no checkpoint): what a write made with defer_sync waits for.
  virtual status flush_log() = 0;
};

/// Settings of the Berkeley DB engine.
struct bdb_options {
  std::string directory;               // created if missing
  durability default_mode = durability::write_no_sync;
  size_t cache_bytes = 64 * 1024 * 1024;
  /// Fault injection for tests: called with a database's file name before
  /// the engine opens (or creates) it.
  std::function<void(const std::string& file)> before_open;
};

/// Opens a Berkeley DB transactional environment under `opts.directory`
/// (with recovery). On failure returns nullptr and sets `err`: `io_error`
/// for a directory that cannot be created or written, one that holds a
/// DB_CONFIG (refused: it could weaken durability), one already in use by
/// another engine, or one of another storage format (see FORMAT.md).
std::unique_ptr<storage_engine> open_bdb_engine(const bdb_options& opts,
                                                status& err);

/// Called once Berkeley DB reports DB_RUNRECOVERY (its environment is
/// unusable: every later call fails until the environment is reopened with
/// recovery). The message names the failed operation. A node stops here so
/// that its restart recovers (dkv-node exits with code 3); unset, the
/// engine only reports io_error. Process-wide; set before any engine opens.
void set_environment_panic_handler(
  std::function<void(const std::string& message)> handler);

/// Fault injection for tests: makes the engine's Berkeley DB environment
/// panic, as a failed log write or a corrupt region would.
status panic_bdb_environment(storage_engine& engine);

/// A volatile engine for tests with the same semantics.
std::unique_ptr<storage_engine> make_memory_engine();

class record_cache;

/// `inner` with its reads served from `cache` where it holds the record
/// (storage/record_cache.hpp); every write to a key through it invalidates
/// the key, every drop its partition. Nothing may write to `inner` but
/// through the result.
std::unique_ptr<storage_engine>
make_cached_engine(std::unique_ptr<storage_engine> inner,
                   std::shared_ptr<record_cache> cache);

} // namespace dkv::storage
