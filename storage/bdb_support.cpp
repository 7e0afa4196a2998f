#include "storage/bdb_support.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <limits>

namespace dkv::storage::bdb {

namespace fs = std::filesystem;

namespace {

/// What Berkeley DB reported in this thread during the current operation
/// (a write(2) failing deep inside, a corrupt log, ...): its return code
/// alone often hides the cause, e.g. a full disk surfaces as ENOMEM when
/// dirty cache pages cannot be written out.
thread_local std::string messages;

/// Bounds the messages kept per operation (they repeat once per page).
constexpr size_t max_messages_bytes = 512;

bool mentions(const std::string& text, int err) {
  return text.find(std::strerror(err)) != std::string::npos;
}

} // namespace

std::string partition_file(partition_id p) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "p-%05u.db", static_cast<unsigned>(p));
  return buf;
}

std::optional<partition_id> parse_partition_file(const std::string& name) {
  constexpr size_t prefix = 2; // "p-"
  constexpr size_t suffix = 3; // ".db"
  if (name.size() < prefix + 5 + suffix || name.size() > prefix + 10 + suffix
      || name.compare(0, prefix, "p-") != 0
      || name.compare(name.size() - suffix, suffix, ".db") != 0)
    return std::nullopt;
  uint64_t p = 0;
  for (size_t i = prefix; i < name.size() - suffix; ++i) {
    if (name[i] < '0' || name[i] > '9')
      return std::nullopt;
    p = p * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  if (p > std::numeric_limits<partition_id>::max()
      || partition_file(static_cast<partition_id>(p)) != name)
    return std::nullopt;
  return static_cast<partition_id>(p);
}

void on_error(const DbEnv*, const char*, const char* msg) {
  if (messages.size() >= max_messages_bytes)
    return;
  if (!messages.empty())
    messages += "; ";
  messages += msg;
}

void clear_messages() {
  messages.clear();
}

std::function<void(const std::string&)>& panic_handler() {
  static std::function<void(const std::string&)> handler;
  return handler;
}

status failure(int ret, const std::string& what) {
  if (ret == DB_NOTFOUND)
    return {status_code::not_found, {}};
  std::string msg = what + ": " + db_strerror(ret);
  std::string details;
  details.swap(messages);
  if (!details.empty())
    msg += " (" + details + ")";
  if (ret == ENOSPC || ret == EDQUOT || mentions(details, ENOSPC)
      || mentions(details, EDQUOT))
    return {status_code::no_space, msg};
  if (ret == DB_CHKSUM_FAIL)
    return {status_code::corruption, msg};
  if (ret == DB_RUNRECOVERY) {
    msg += "; the environment is unusable until it is reopened with recovery";
    if (auto& handler = panic_handler())
      handler(msg);
  }
  return {status_code::io_error, msg};
}

status claim_directory(const std::string& dir, int& lock_fd) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return {status_code::io_error,
            "cannot create the data directory " + dir + ": " + ec.message()};
  if (!fs::is_directory(dir, ec))
    return {status_code::io_error,
            "the data directory " + dir + " is not a directory"};
  // Berkeley DB always reads DB_CONFIG at open, and some of its settings
  // cannot be undone afterwards (DB_LOG_IN_MEMORY, set_lg_dir,
  // set_data_dir): a stray file could silently make commits volatile or
  // move the log. dkv configures everything itself, so refuse.
  auto config = fs::path{dir} / "DB_CONFIG";
  auto has_config = fs::exists(config, ec);
  if (ec)
    return {status_code::io_error,
            "cannot check for " + config.string() + ": " + ec.message()};
  if (has_config)
    return {status_code::io_error,
            config.string()
              + " exists: dkv sets every Berkeley DB option itself and "
                "will not let a DB_CONFIG change durability or file "
                "locations; remove the file"};
  // DB_RECOVER in a second process would destroy the regions of the
  // first, live one: one process per data directory, enforced.
  auto lock = (fs::path{dir} / lock_file).string();
  lock_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) {
    auto err = errno;
    return {err == ENOSPC || err == EDQUOT ? status_code::no_space
                                           : status_code::io_error,
            "cannot create " + lock
              + " (is the data directory writable?): " + std::strerror(err)};
  }
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    auto err = errno;
    return {status_code::io_error,
            "the data directory " + dir + " is in use by another dkv engine ("
              + lock + " is locked): " + std::strerror(err)};
  }
  return {};
}

} // namespace dkv::storage::bdb
