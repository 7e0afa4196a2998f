// The Berkeley DB engine: one transactional environment per node, one BTREE
// database file per partition ("p-00017.db") and one for metadata
// ("meta.db"); the layout is frozen in FORMAT.md. No exception crosses this
// file's API: every handle is built with DB_CXX_NO_EXCEPTIONS and every
// return code is mapped to a status.
//
// DB_THREAD: the vnode owns the engine, but folds (handoff, Merkle trees)
// may run from other actors, hence other threads, at the same time. Free-
// threaded handles cost one malloc per read (DB_DBT_REALLOC), measured by
// bench/bdb_bench.cpp; the shared mutex only guards the handle map.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>

#include <db_cxx.h>

#include "storage/background_task.hpp"
#include "storage/bdb_support.hpp"
#include "storage/checkpoint_pace.hpp"
#include "storage/checkpoint_trigger.hpp"
#include "storage/storage_engine.hpp"

namespace dkv::storage {

namespace {

namespace fs = std::filesystem;

using bdb::db_ptr;
using bdb::failure;
using bdb::is_deadlock;
using bdb::meta_file;
using bdb::partition_file;
using bdb::result_dbt;
using bdb::view;

constexpr const char* format_key = "storage.format";
constexpr const char* format_version = "1";

/// Retries of an operation that lost a deadlock; more would only hide a bug.
constexpr int max_deadlock_retries = 16;

/// A fold reads at most this many records (or bytes) per short transaction:
/// enough to amortise the transaction, little enough not to hold 256 values
/// of 1 MiB in memory or block writers for long.
constexpr size_t fold_batch_records = 256;
constexpr size_t fold_batch_bytes = 4 * 1024 * 1024;

/// Log files of 10 MiB (Berkeley DB's default, pinned here). A checkpoint
/// after about 8 MiB of log lets DB_LOG_AUTO_REMOVE delete all but the
/// last few files, and bounds recovery time after a crash.
constexpr u_int32_t log_file_bytes = 10 * 1024 * 1024;
constexpr uint64_t checkpoint_bytes = 8 * 1024 * 1024;

/// Estimated log written between two looks at the log's real end.
constexpr uint64_t log_check_bytes = 1024 * 1024;

/// Log waiting for removal (see checkpoint_trigger) beyond which the next
/// background run goes at full speed, and beyond which a writer
/// checkpoints itself instead of asking the background thread. Two
/// checkpoints' worth always waits: Berkeley DB keeps the log back to the
/// checkpoint before the last. At W load with 1 KiB values a node logs
/// about 24 MB/s (an overwrite logs the old value too) and even a run at
/// full speed takes 1.1-1.5 s on 2 busy cores, so the log waiting peaks
/// at 110-130 MiB: writers that waited at 64 MiB, later 128 MiB, stalled
/// for 0.3-1.5 s now and then (update p99.9 267-269 ms, max 0.6-1.5 s).
/// At 256 MiB none waits (p99.9 21-23 ms, max 27-72 ms, and 11-16% more
/// writes); the price is that much log on disk at worst, and replayed
/// after a crash.
constexpr uint64_t catch_up_lag = 3 * checkpoint_bytes;
constexpr uint64_t writer_wait_lag = 32 * checkpoint_bytes;

/// Estimated log overhead of one write beyond its key and record.
constexpr uint64_t log_overhead_bytes = 64;

/// Marks a transaction body that the caller's decide() rejected.
constexpr int rejected = -1;

class bdb_engine : public storage_engine {
public:
  explicit bdb_engine(bdb_options opts)
    : opts_(std::move(opts)), env_(DB_CXX_NO_EXCEPTIONS) {
    // nop
  }

  ~bdb_engine() override {
    checkpoints_.reset(); // before the environment it checkpoints closes
    std::unique_lock<std::shared_mutex> guard{mtx_};
    // Makes the next open's recovery short; nothing to report it to.
    if (env_open_ && env_.txn_checkpoint(0, 0, 0) == 0) {
      // Every page is on disk now: syncing each file again as it closes
      // cost a node's stop up to seconds on a busy disk.
      for (auto& entry : dbs_)
        entry.second.get_deleter().flags = DB_NOSYNC;
      if (meta_)
        meta_.get_deleter().flags = DB_NOSYNC;
    }
    dbs_.clear();
    meta_.reset();
    // Required even after a failed open, to release the handle's resources.
    env_.close(0);
    if (lock_fd_ >= 0)
      ::close(lock_fd_); // releases the flock
  }

  status open() {
    bdb::clear_messages();
    if (auto st = bdb::claim_directory(dir(), lock_fd_); !st.ok())
      return st;
    env_.set_errcall(bdb::on_error);
    env_.set_lk_detect(DB_LOCK_DEFAULT);
    constexpr size_t gb = 1024 * 1024 * 1024;
    env_.set_cachesize(static_cast<u_int32_t>(opts_.cache_bytes / gb),
                       static_cast<u_int32_t>(opts_.cache_bytes % gb), 1);
    env_.set_lg_max(log_file_bytes);
    // DB_PRIVATE: the regions (cache, locks, log buffer) live in this
    // process's memory, not in mmapped __db.* files on the data disk, where
    // a full disk turns a touch of a sparse region page into SIGBUS. The
    // LOCK file already makes this process the directory's only user.
    u_int32_t flags = DB_CREATE | DB_INIT_TXN | DB_INIT_LOG | DB_INIT_LOCK
                      | DB_INIT_MPOOL | DB_RECOVER | DB_THREAD | DB_PRIVATE;
    if (auto ret = env_.open(dir().c_str(), flags, 0600); ret != 0)
      return failure(ret,
                     "cannot open the Berkeley DB environment in " + dir());
    env_open_ = true;
    log_.opened_at(log_position());
    last_paced_start_ = std::chrono::steady_clock::now();
    checkpoints_ = std::make_unique<background_task>([this] {
      // Like every other operation, not while a partition is dropped.
      std::shared_lock<std::shared_mutex> guard{mtx_};
      // This run covers every commit made before it starts.
      auto pace = next_pace();
      checkpoint(log_.behind(log_position()) ? checkpoint_pace{} : pace);
    });
    if (auto st = set_durability(); !st.ok())
      return st;
    if (auto st = open_db(meta_file, meta_); !st.ok())
      return st;
    return check_format();
  }

  /// Creating a database syncs several times: other partitions' requests
  /// go on meanwhile (only an open or a drop of the same partition waits).
  status open_partition(partition_id p) override {
    partition_claim claim{*this, p};
    {
      std::shared_lock<std::shared_mutex> guard{mtx_};
      if (dbs_.count(p) > 0)
        return {};
    }
    // Without mtx_: an exclusive lock taken meanwhile (another partition's
    // open) would wait for this one, and every request behind it.
    db_ptr db;
    if (auto st = open_db(partition_file(p), db); !st.ok())
      return st;
    std::unique_lock<std::shared_mutex> guard{mtx_};
    dbs_.emplace(p, std::move(db));
    return {};
  }

  status drop_partition(partition_id p) override {
    partition_claim claim{*this, p};
    // Exclusive, as before opens ran beside requests: drops are rare, and
    // no checkpoint runs beside a dbremove.
    std::unique_lock<std::shared_mutex> guard{mtx_};
    dbs_.erase(p); // dbremove requires every handle on the file closed
    auto file = partition_file(p);
    std::error_code ec;
    if (!fs::exists(fs::path{dir()} / file, ec))
      return {};
    auto what = [&] { return "drop " + where(p); };
    return in_txn({}, what, 0, [&](DbTxn* txn) {
      return env_.dbremove(txn, file.c_str(), nullptr, 0);
    });
  }

  std::vector<partition_id> partitions() override {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    std::vector<partition_id> result;
    for (auto& kvp : dbs_)
      result.push_back(kvp.first);
    std::error_code ec;
    for (fs::directory_iterator i{dir(), ec}, end; !ec && i != end;
         i.increment(ec))
      if (auto p = bdb::parse_partition_file(i->path().filename().string()))
        result.push_back(*p);
    std::sort(result.begin(), result.end());
    result.erase(std::unique(result.begin(), result.end()), result.end());
    return result;
  }

  status get(partition_id p, const std::string& key,
             std::string& record) override {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    auto db = find(p);
    if (!db)
      return no_partition(p);
    return read(db, key, record, [&] { return "get from " + where(p); });
  }

  status put(partition_id p, const std::string& key, const std::string& record,
             write_options opts) override {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    auto db = find(p);
    if (!db)
      return no_partition(p);
    auto what = [&] { return "put to " + where(p); };
    auto size = key.size() + record.size();
    return in_txn(opts, what, size, [&](DbTxn* txn) {
      auto k = view(key);
      auto v = view(record);
      return db->put(txn, &k, &v, 0);
    });
  }

  status erase(partition_id p, const std::string& key,
               write_options opts) override {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    auto db = find(p);
    if (!db)
      return no_partition(p);
    auto what = [&] { return "erase from " + where(p); };
    return in_txn(opts, what, key.size(), [&](DbTxn* txn) {
      auto k = view(key);
      auto ret = db->del(txn, &k, 0);
      return ret == DB_NOTFOUND ? 0 : ret;
    });
  }

  status update(partition_id p, const std::string& key, const update_fn& decide,
                write_options opts) override {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    auto db = find(p);
    if (!db)
      return no_partition(p);
    status verdict;
    size_t written = 0;
    auto what = [&] { return "update in " + where(p); };
    auto st = in_txn(
      opts, what, key.size(),
      [&](DbTxn* txn) -> int {
        auto k = view(key);
        result_dbt current;
        // DB_RMW takes the write lock at once: two updaters of one key cannot
        // both read it and then deadlock upgrading their read locks.
        auto ret = db->get(txn, &k, current.get(), DB_RMW);
        if (ret != 0 && ret != DB_NOTFOUND)
          return ret;
        std::optional<std::string> old;
        if (ret == 0)
          old = current.str();
        std::optional<std::string> replacement;
        verdict = decide(old, replacement);
        if (!verdict.ok())
          return rejected;
        if (!replacement)
          return 0;
        written = replacement->size();
        auto v = view(*replacement);
        return db->put(txn, &k, &v, 0);
      },
      &written);
    return verdict.ok() ? st : verdict;
  }

  status fold(partition_id p, const fold_fn& visit) override {
    std::optional<std::string> resume;
    for (;;) {
      std::vector<std::pair<std::string, std::string>> batch;
      bool done = false;
      {
        std::shared_lock<std::shared_mutex> guard{mtx_};
        auto db = find(p);
        if (!db)
          return no_partition(p);
        auto st = read_batch(db, p, resume, batch, done);
        if (!st.ok())
          return st;
      }
      // Visit outside any lock and transaction: the visitor may write.
      for (auto& [key, record] : batch)
        if (!visit(key, record))
          return {};
      if (done)
        return {};
      resume = std::move(batch.back().first);
    }
  }

  status get_meta(const std::string& key, std::string& value) override {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    return read(meta_.get(), key, value, [&] { return meta_path("get from"); });
  }

  status put_meta(const std::string& key, const std::string& value) override {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    write_options opts;
    opts.force_sync = true; // metadata is small and rare: always durable
    return write_meta(key, value, opts);
  }

  status sync() override {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    if (auto ret = env_.log_flush(nullptr); ret != 0)
      return failure(ret, "flush the log in " + dir());
    if (auto ret = paced_checkpoint({}); ret != 0)
      return failure(ret, "checkpoint in " + dir());
    return {};
  }

  status flush_log() override {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    if (auto ret = env_.log_flush(nullptr); ret != 0)
      return failure(ret, "flush the log in " + dir());
    return {};
  }

private:
  const std::string& dir() const { return opts_.directory; }

  std::string where(partition_id p) const {
    return "partition " + std::to_string(p) + " (" + dir() + "/"
           + partition_file(p) + ")";
  }

  /// Sets the commit flags after open, whatever the defaults, and checks
  /// that they took: durability is the one setting that must not drift.
  status set_durability() {
    bool no_sync = opts_.default_mode == durability::write_no_sync;
    // DB_TXN_NOSYNC would lose acknowledged commits on kill -9;
    // DB_TXN_WRITE_NOSYNC hands each commit to the OS and does not.
    int ret = env_.set_flags(DB_TXN_NOSYNC, 0);
    if (ret == 0)
      ret = env_.set_flags(DB_TXN_WRITE_NOSYNC, no_sync ? 1 : 0);
    if (ret == 0)
      ret = env_.log_set_config(DB_LOG_AUTO_REMOVE, 1);
    if (ret != 0)
      return failure(ret, "cannot configure the environment in " + dir());
    u_int32_t flags = 0;
    int in_memory = 0;
    int auto_remove = 0;
    env_.get_flags(&flags);
    env_.log_get_config(DB_LOG_IN_MEMORY, &in_memory);
    env_.log_get_config(DB_LOG_AUTO_REMOVE, &auto_remove);
    if ((flags & DB_TXN_NOSYNC) != 0
        || ((flags & DB_TXN_WRITE_NOSYNC) != 0) != no_sync || in_memory != 0
        || auto_remove == 0)
      return {status_code::io_error,
              "the environment in " + dir()
                + " does not hold the requested durability settings"};
    return {};
  }

  /// Records the format version in a new directory; refuses another one.
  status check_format() {
    std::string found;
    auto st = read(meta_.get(), format_key, found,
                   [&] { return meta_path("get from"); });
    if (st.not_found()) {
      write_options opts;
      opts.force_sync = true;
      return write_meta(format_key, format_version, opts);
    }
    if (!st.ok())
      return st;
    if (found != format_version)
      return {status_code::io_error,
              "the data directory " + dir() + " has storage format '" + found
                + "', this build reads format " + format_version};
    return {};
  }

  status open_db(const std::string& file, db_ptr& out) {
    if (opts_.before_open)
      opts_.before_open(file);
    db_ptr db{new Db(&env_, DB_CXX_NO_EXCEPTIONS)};
    // Page checksums: a torn or rotted page is an error, not garbage data.
    db->set_flags(DB_CHKSUM);
    auto ret = db->open(nullptr, file.c_str(), nullptr, DB_BTREE,
                        DB_CREATE | DB_AUTO_COMMIT | DB_THREAD, 0600);
    if (ret != 0)
      return failure(ret, "cannot open " + dir() + "/" + file);
    out = std::move(db);
    return {};
  }

  status write_meta(const std::string& key, const std::string& value,
                    write_options opts) {
    auto what = [&] { return meta_path("put to"); };
    return in_txn(opts, what, key.size() + value.size(), [&](DbTxn* txn) {
      auto k = view(key);
      auto v = view(value);
      return meta_->put(txn, &k, &v, 0);
    });
  }

  Db* find(partition_id p) {
    auto i = dbs_.find(p);
    return i == dbs_.end() ? nullptr : i->second.get();
  }

  static status no_partition(partition_id p) {
    return {status_code::no_partition,
            "partition " + std::to_string(p) + " is not open"};
  }

  std::string meta_path(const char* op) const {
    return std::string{op} + " " + dir() + "/" + meta_file;
  }

  /// `what()` describes the operation, built only on failure.
  template <class What>
  status read(Db* db, const std::string& key, std::string& value, What what) {
    bdb::clear_messages();
    auto k = view(key);
    result_dbt data;
    int ret = 0;
    for (int attempt = 0; attempt <= max_deadlock_retries; ++attempt) {
      ret = db->get(nullptr, &k, data.get(), 0);
      if (!is_deadlock(ret))
        break;
    }
    if (ret == 0) {
      value = data.str();
      return {};
    }
    return failure(ret, what());
  }

  /// Runs `body` in a transaction, committing on 0 and retrying deadlocks.
  /// `bytes` estimates the log volume (for checkpoints); `extra` adds what
  /// the body decided to write.
  template <class What, class F>
  status in_txn(write_options opts, What what, size_t bytes, F body,
                const size_t* extra = nullptr) {
    bdb::clear_messages();
    for (int attempt = 0;; ++attempt) {
      DbTxn* txn = nullptr;
      if (auto ret = env_.txn_begin(nullptr, &txn, 0); ret != 0)
        return failure(ret, what() + ": begin a transaction");
      int ret = 0;
      try {
        ret = body(txn);
      } catch (...) {
        // The caller's decide() threw: release the locks, then let the
        // caller see its own exception.
        txn->abort();
        throw;
      }
      if (ret == 0) {
        // A failed commit aborts the transaction itself.
        ret = txn->commit(commit_flags(opts));
        if (ret != 0)
          return failure(ret, what() + ": commit");
        wrote(bytes + (extra ? *extra : 0));
        return {};
      }
      txn->abort();
      if (ret == rejected)
        return {}; // the caller reports its own verdict
      if (!is_deadlock(ret) || attempt == max_deadlock_retries)
        return failure(ret, what());
    }
  }

  static u_int32_t commit_flags(write_options opts) {
    if (opts.force_sync)
      return DB_TXN_SYNC;
    // Handed to the OS like any no-sync commit, so a kill -9 before the
    // caller's flush_log() loses nothing either.
    return opts.defer_sync ? DB_TXN_WRITE_NOSYNC : 0;
  }

  /// DB_LOG_AUTO_REMOVE acts only when a log file fills: the files this
  /// checkpoint freed go now, not after writes that may not come. A
  /// failure (say, a full disk) only delays log removal and is retried
  /// after the next writes; the commits stand.
  void checkpoint(checkpoint_pace pace = {}) {
    if (paced_checkpoint(pace) == 0)
      env_.log_archive(nullptr, DB_ARCH_REMOVE);
  }

  /// One checkpoint at a time, so that a paced run's limit (a setting of
  /// the whole environment, read when a write-back starts) never slows
  /// down another.
  int paced_checkpoint(checkpoint_pace pace) {
    std::lock_guard<std::mutex> guard{checkpoint_mtx_};
    auto paced = pace.pages_per_burst != 0;
    if (paced)
      env_.set_mp_max_write(static_cast<int>(pace.pages_per_burst),
                            static_cast<db_timeout_t>(pace.pause.count()));
    log_.checkpoint_starts(log_position());
    auto ret = env_.txn_checkpoint(0, 0, 0);
    if (paced)
      env_.set_mp_max_write(0, 0);
    if (ret == 0)
      log_.checkpoint_finished();
    return ret;
  }

  /// The background checkpoints' pace: by the pages to write back and the
  /// time since the previous run started. Runs on the background thread.
  checkpoint_pace next_pace() {
    auto now = std::chrono::steady_clock::now();
    auto interval = std::chrono::duration_cast<std::chrono::microseconds>(
      now - last_paced_start_);
    last_paced_start_ = now;
    DB_MPOOL_STAT* stats = nullptr;
    if (env_.memp_stat(&stats, nullptr, 0) != 0 || stats == nullptr)
      return {};
    uint64_t dirty = stats->st_page_dirty;
    ::free(stats); // allocated by Berkeley DB with malloc
    return pace_checkpoint(dirty, interval);
  }

  /// Where the log ends, in bytes from its start (files of
  /// log_file_bytes); 0 if unknown, which makes no checkpoint wait.
  uint64_t log_position() {
    DB_LOG_STAT* stats = nullptr;
    if (env_.log_stat(&stats, 0) != 0 || stats == nullptr)
      return 0;
    auto position = uint64_t{stats->st_cur_file} * log_file_bytes
                    + stats->st_cur_offset;
    ::free(stats); // allocated by Berkeley DB with malloc
    return position;
  }

  /// Checkpoints after enough log so that old log files can go away.
  void wrote(size_t bytes) {
    if (!log_.wrote(bytes + log_overhead_bytes) || !checkpoints_)
      return;
    // Off the caller's thread: a checkpoint writes back the whole cache's
    // dirty pages, which stalled the node's requests for up to 150 ms.
    auto step = log_.check(log_position());
    if (step == checkpoint_step::none)
      return;
    if (step == checkpoint_step::background) {
      checkpoints_->request();
      return;
    }
    // The log outgrew even full-speed background runs: the writers wait
    // for one, so that it stays bounded.
    checkpoint();
  }

  status read_batch(Db* db, partition_id p,
                    const std::optional<std::string>& resume,
                    std::vector<std::pair<std::string, std::string>>& out,
                    bool& done) {
    bdb::clear_messages();
    for (int attempt = 0;; ++attempt) {
      out.clear();
      auto ret = try_read_batch(db, resume, out, done);
      if (ret == 0)
        return {};
      if (!is_deadlock(ret) || attempt == max_deadlock_retries)
        return failure(ret, "fold over " + where(p));
    }
  }

  int try_read_batch(Db* db, const std::optional<std::string>& resume,
                     std::vector<std::pair<std::string, std::string>>& out,
                     bool& done) {
    DbTxn* txn = nullptr;
    if (auto ret = env_.txn_begin(nullptr, &txn, DB_READ_COMMITTED); ret != 0)
      return ret;
    Dbc* cursor = nullptr;
    if (auto ret = db->cursor(txn, &cursor, 0); ret != 0) {
      txn->abort();
      return ret;
    }
    result_dbt key;
    result_dbt data;
    int ret = 0;
    if (!resume) {
      ret = cursor->get(key.get(), data.get(), DB_FIRST);
    } else {
      key.assign(*resume);
      ret = cursor->get(key.get(), data.get(), DB_SET_RANGE);
      if (ret == 0 && key.str() == *resume)
        ret = cursor->get(key.get(), data.get(), DB_NEXT);
    }
    size_t bytes = 0;
    while (ret == 0) {
      out.emplace_back(key.str(), data.str());
      bytes += out.back().first.size() + out.back().second.size();
      if (out.size() >= fold_batch_records || bytes >= fold_batch_bytes)
        break;
      ret = cursor->get(key.get(), data.get(), DB_NEXT);
    }
    cursor->close();
    if (ret != 0 && ret != DB_NOTFOUND) {
      txn->abort();
      return ret;
    }
    done = ret == DB_NOTFOUND;
    return txn->commit(0);
  }

public:
  status panic() {
    if (auto ret = env_.set_flags(DB_PANIC_ENVIRONMENT, 1); ret != 0)
      return bdb::failure(ret, "panic the environment in " + dir());
    return {};
  }

private:
  bdb_options opts_;
  DbEnv env_;
  bool env_open_ = false;
  int lock_fd_ = -1;
  checkpoint_trigger log_{
    {log_check_bytes, checkpoint_bytes, catch_up_lag, writer_wait_lag}};
  std::unique_ptr<background_task> checkpoints_;
  std::mutex checkpoint_mtx_;
  /// When the previous background checkpoint started (or the engine
  /// opened); only the background thread reads it after the open.
  std::chrono::steady_clock::time_point last_paced_start_;
  std::shared_mutex mtx_;
  /// Partitions being opened or dropped: one such change at a time per
  /// partition (an open runs without mtx_).
  std::mutex claims_mtx_;
  std::condition_variable claim_released_;
  std::set<partition_id> claimed_;

  class partition_claim {
  public:
    partition_claim(bdb_engine& engine, partition_id p)
      : engine_(engine), p_(p) {
      std::unique_lock<std::mutex> guard{engine_.claims_mtx_};
      engine_.claim_released_.wait(
        guard, [&] { return engine_.claimed_.count(p_) == 0; });
      engine_.claimed_.insert(p_);
    }
    ~partition_claim() {
      {
        std::lock_guard<std::mutex> guard{engine_.claims_mtx_};
        engine_.claimed_.erase(p_);
      }
      engine_.claim_released_.notify_all();
    }
    partition_claim(const partition_claim&) = delete;
    partition_claim& operator=(const partition_claim&) = delete;

  private:
    bdb_engine& engine_;
    partition_id p_;
  };
  std::map<partition_id, db_ptr> dbs_;
  db_ptr meta_;
};

} // namespace

std::unique_ptr<storage_engine> open_bdb_engine(const bdb_options& opts,
                                                status& err) {
  auto engine = std::make_unique<bdb_engine>(opts);
  if (auto st = engine->open(); !st.ok()) {
    err = st;
    return nullptr;
  }
  err = {};
  return engine;
}

void set_environment_panic_handler(
  std::function<void(const std::string& message)> handler) {
  bdb::panic_handler() = std::move(handler);
}

status panic_bdb_environment(storage_engine& engine) {
  auto bdb = dynamic_cast<bdb_engine*>(&engine);
  if (bdb == nullptr)
    return {status_code::invalid_argument, "not a Berkeley DB engine"};
  return bdb->panic();
}

} // namespace dkv::storage
