#pragma once

// Helpers of the Berkeley DB engine (bdb_engine.cpp): file names, error
// mapping and result buffers. Not an interface for other layers; they use
// storage_engine.hpp.

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>

#include <db_cxx.h>

#include "storage/storage_engine.hpp"

namespace dkv::storage::bdb {

/// File names in a data directory (FORMAT.md). DO NOT CHANGE: persisted.
constexpr const char* meta_file = "meta.db";
constexpr const char* lock_file = "LOCK";

/// "p-00017.db": the partition id in decimal, at least 5 digits.
std::string partition_file(partition_id p);

/// Inverse of partition_file; only canonical names count ("p-017.db" and
/// "p-00017.db.bak" are not partitions).
std::optional<partition_id> parse_partition_file(const std::string& name);

/// Prepares a data directory for an environment: creates it, refuses one
/// holding a DB_CONFIG, and takes the LOCK file with flock, leaving its
/// descriptor in `lock_fd` (closing it releases the lock; -1 if not taken).
status claim_directory(const std::string& dir, int& lock_fd);

/// Berkeley DB's error callback (DbEnv::set_errcall): collects the messages
/// of the current operation in this thread for the next failure().
void on_error(const DbEnv*, const char* prefix, const char* msg);

/// Forgets collected messages; called when an operation starts.
void clear_messages();

inline bool is_deadlock(int ret) {
  return ret == DB_LOCK_DEADLOCK || ret == DB_LOCK_NOTGRANTED;
}

/// Maps a Berkeley DB return code (not 0); `what` names the operation and
/// the file. ENOSPC and EDQUOT, also when only the collected messages name
/// them, are `no_space`; a page checksum failure is `corruption`; anything
/// else `io_error`.
status failure(int ret, const std::string& what);

/// What failure() calls on DB_RUNRECOVERY (set_environment_panic_handler).
std::function<void(const std::string&)>& panic_handler();

/// A Dbt for results: with DB_THREAD, Berkeley DB must allocate them; this
/// reuses one buffer across calls and frees it.
class result_dbt {
public:
  result_dbt() { dbt_.set_flags(DB_DBT_REALLOC); }

  ~result_dbt() { std::free(dbt_.get_data()); }

  result_dbt(const result_dbt&) = delete;
  result_dbt& operator=(const result_dbt&) = delete;

  Dbt* get() { return &dbt_; }

  std::string str() const {
    return {static_cast<const char*>(dbt_.get_data()), dbt_.get_size()};
  }

  /// Sets the content (the input of DB_SET_RANGE, which also writes it).
  void assign(const std::string& x) {
    auto buf = std::realloc(dbt_.get_data(), x.empty() ? 1 : x.size());
    if (!buf)
      throw std::bad_alloc{};
    std::memcpy(buf, x.data(), x.size());
    dbt_.set_data(buf);
    dbt_.set_size(static_cast<u_int32_t>(x.size()));
  }

private:
  Dbt dbt_;
};

/// An input-only Dbt over a string (Berkeley DB does not write through it).
inline Dbt view(const std::string& x) {
  return Dbt{const_cast<char*>(x.data()), static_cast<u_int32_t>(x.size())};
}

struct db_closer {
  /// DB_NOSYNC once a checkpoint wrote every page back: the per-file sync
  /// would only repeat it.
  u_int32_t flags = 0;

  void operator()(Db* db) const {
    // Required even after a failed open; flushes the file after a good one
    // (unless told it need not).
    db->close(flags);
    delete db;
  }
};

using db_ptr = std::unique_ptr<Db, db_closer>;

} // namespace dkv::storage::bdb
