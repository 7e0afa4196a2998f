// The Berkeley DB engine beyond the conformance suite: what only a real disk
// shows (reopen, kill -9, DB_CONFIG, bad directories, log growth, full disk).

#include "storage/storage_engine.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>

#include "caf/test/unit_test.hpp"

#include "temp_dir.hpp"

using namespace dkv;
using namespace dkv::storage;

namespace fs = std::filesystem;

namespace {

/// As std::string: CAF_CHECK_EQUAL on two const char* compares pointers.
std::string code(const status& st) {
  return to_string(st.code);
}

std::string str(const status& st) {
  return std::string{code(st)} + (st.message.empty() ? "" : ": ") + st.message;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary};
  out << text;
}

/// The value the kill -9 child writes under key number `i`.
std::string value_of(uint64_t i) {
  return "value-" + std::to_string(i) + std::string(100 + i % 300, 'x');
}

std::string key_of(uint64_t i) {
  return "key-" + std::to_string(i);
}

size_t log_files(const std::string& dir) {
  size_t result = 0;
  for (auto& entry : fs::directory_iterator{dir})
    if (entry.path().filename().string().rfind("log.", 0) == 0)
      ++result;
  return result;
}

struct fixture {
  test::temp_dir tmp;

  std::unique_ptr<storage_engine>
  open(const std::string& dir, durability mode = durability::write_no_sync,
       status* err = nullptr) {
    bdb_options opts;
    opts.directory = dir;
    opts.default_mode = mode;
    status st;
    auto result = open_bdb_engine(opts, st);
    if (err)
      *err = st;
    else
      CAF_REQUIRE_EQUAL(str(st), "ok");
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(bdb_engine_tests, fixture)

CAF_TEST(commits deferred for a group commit are kept in both modes) {
  for (auto mode : {durability::sync, durability::write_no_sync}) {
    auto dir = tmp.sub(mode == durability::sync ? "sync" : "nosync");
    write_options deferred;
    deferred.defer_sync = true;
    {
      auto e = open(dir, mode);
      CAF_REQUIRE(e->open_partition(3).ok());
      for (int i = 0; i < 10; ++i)
        CAF_REQUIRE_EQUAL(str(e->put(3, key_of(i), value_of(i), deferred)),
                          "ok");
      CAF_REQUIRE_EQUAL(str(e->erase(3, key_of(4), deferred)), "ok");
      CAF_CHECK_EQUAL(str(e->flush_log()), "ok");
    }
    auto e = open(dir, mode);
    CAF_REQUIRE(e->open_partition(3).ok());
    std::string out;
    CAF_CHECK(e->get(3, key_of(9), out).ok());
    CAF_CHECK_EQUAL(out, value_of(9));
    CAF_CHECK(e->get(3, key_of(4), out).not_found());
  }
}

CAF_TEST(reopen after close keeps data in both durability modes) {
  for (auto mode : {durability::sync, durability::write_no_sync}) {
    auto dir = tmp.sub(mode == durability::sync ? "sync" : "nosync");
    {
      auto e = open(dir, mode);
      CAF_REQUIRE(e->open_partition(17).ok());
      for (int i = 0; i < 100; ++i)
        CAF_REQUIRE(e->put(17, key_of(i), value_of(i), {}).ok());
      CAF_REQUIRE(e->erase(17, key_of(5), {}).ok());
    }
    // The file names are part of the frozen format (FORMAT.md).
    CAF_CHECK(fs::exists(dir + "/p-00017.db"));
    CAF_CHECK(fs::exists(dir + "/meta.db"));
    auto e = open(dir, mode);
    CAF_REQUIRE(e->open_partition(17).ok());
    size_t count = 0;
    e->fold(17, [&](const std::string&, const std::string&) {
      ++count;
      return true;
    });
    CAF_CHECK_EQUAL(count, 99u);
    std::string out;
    CAF_CHECK(e->get(17, key_of(42), out).ok());
    CAF_CHECK_EQUAL(out, value_of(42));
    CAF_CHECK(e->get(17, key_of(5), out).not_found());
  }
}

CAF_TEST(DB_RUNRECOVERY calls the panic handler and a reopen recovers) {
  // The panicking engine runs in a child that ends as dkv-node does (a
  // panicked environment cannot be closed cleanly: Berkeley DB keeps its
  // memory). Exit codes name the failed step.
  auto dir = tmp.sub("panic");
  auto pid = ::fork();
  CAF_REQUIRE(pid >= 0);
  if (pid == 0) {
    std::string panic_message;
    set_environment_panic_handler(
      [&](const std::string& message) { panic_message = message; });
    bdb_options opts;
    opts.directory = dir;
    status st;
    auto e = open_bdb_engine(opts, st);
    if (!e || !e->open_partition(3).ok())
      ::_exit(2);
    for (int i = 0; i < 50; ++i)
      if (!e->put(3, key_of(i), value_of(i), {}).ok())
        ::_exit(3);
    if (!panic_bdb_environment(*e).ok())
      ::_exit(4);
    st = e->put(3, key_of(99), value_of(99), {});
    if (code(st) != "io_error" || !contains(st.message, "with recovery"))
      ::_exit(5);
    if (panic_message != st.message)
      ::_exit(6);
    ::_exit(0);
  }
  int wstatus = 0;
  CAF_REQUIRE_EQUAL(::waitpid(pid, &wstatus, 0), pid);
  CAF_REQUIRE(WIFEXITED(wstatus));
  CAF_CHECK_EQUAL(WEXITSTATUS(wstatus), 0);
  // The restart's recovery brings back every committed write.
  auto e = open(dir);
  CAF_REQUIRE(e->open_partition(3).ok());
  std::string out;
  for (int i = 0; i < 50; ++i) {
    CAF_CHECK(e->get(3, key_of(i), out).ok());
    CAF_CHECK_EQUAL(out, value_of(i));
  }
  CAF_CHECK(e->get(3, key_of(99), out).not_found());
  CAF_CHECK(e->put(3, key_of(99), value_of(99), {}).ok());
}

CAF_TEST(a stray DB_CONFIG is refused and never obeyed) {
  // DB_CONFIG could make commits volatile (DB_TXN_NOSYNC, DB_LOG_IN_MEMORY)
  // or move the log; the engine refuses to open rather than run weakened.
  auto dir = tmp.sub("config");
  {
    auto e = open(dir);
    CAF_REQUIRE(e->open_partition(1).ok());
    CAF_REQUIRE(e->put(1, "k", "v", {}).ok());
  }
  write_file(dir + "/DB_CONFIG", "set_flags DB_TXN_NOSYNC\n"
                                 "log_set_config DB_LOG_IN_MEMORY\n");
  status st;
  auto refused = open(dir, durability::sync, &st);
  CAF_CHECK(refused == nullptr);
  CAF_CHECK_EQUAL(code(st), "io_error");
  CAF_CHECK(contains(st.message, dir + "/DB_CONFIG"));
  CAF_MESSAGE("refusal: " << st.message);
  // Nothing was changed: without the file the data opens as before.
  fs::remove(dir + "/DB_CONFIG");
  auto e = open(dir);
  CAF_REQUIRE(e->open_partition(1).ok());
  std::string out;
  CAF_CHECK(e->get(1, "k", out).ok());
  CAF_CHECK_EQUAL(out, "v");
  // A fresh directory with a DB_CONFIG is refused too.
  fs::create_directories(tmp.sub("fresh"));
  write_file(tmp.sub("fresh/DB_CONFIG"), "set_flags DB_TXN_NOSYNC\n");
  CAF_CHECK(open(tmp.sub("fresh"), durability::sync, &st) == nullptr);
  CAF_CHECK_EQUAL(code(st), "io_error");
}

CAF_TEST(an unusable data directory is a clear error at open) {
  // Tests run as root, so permissions cannot make a directory unwritable;
  // a regular file where the directory should be fails for everyone.
  auto file = tmp.sub("plain-file");
  write_file(file, "not a directory");
  status st;
  CAF_CHECK(open(file, durability::sync, &st) == nullptr);
  CAF_CHECK_EQUAL(code(st), "io_error");
  CAF_CHECK(contains(st.message, file));
  CAF_MESSAGE("file as directory: " << st.message);
  auto below = file + "/data";
  CAF_CHECK(open(below, durability::sync, &st) == nullptr);
  CAF_CHECK_EQUAL(code(st), "io_error");
  CAF_CHECK(contains(st.message, below));
  CAF_MESSAGE("directory below a file: " << st.message);
  // A missing directory, however deep, is created.
  auto deep = tmp.sub("a/b/c");
  CAF_CHECK(open(deep) != nullptr);
  CAF_CHECK(fs::is_directory(deep));
}

CAF_TEST(one engine per data directory) {
  // DB_RECOVER in a second engine would tear down the live regions of the
  // first: the LOCK file turns that into an error.
  auto dir = tmp.sub("shared");
  auto first = open(dir);
  status st;
  CAF_CHECK(open(dir, durability::write_no_sync, &st) == nullptr);
  CAF_CHECK_EQUAL(code(st), "io_error");
  CAF_CHECK(contains(st.message, "in use"));
  CAF_REQUIRE(first->open_partition(1).ok());
  CAF_CHECK(first->put(1, "k", "v", {}).ok());
  first.reset();
  CAF_CHECK(open(dir) != nullptr); // released on close
}

CAF_TEST(a different storage format is refused) {
  auto dir = tmp.sub("format");
  {
    auto e = open(dir);
    std::string out;
    CAF_REQUIRE(e->get_meta("storage.format", out).ok());
    CAF_CHECK_EQUAL(out, "1");
    CAF_REQUIRE(e->put_meta("storage.format", "2").ok());
  }
  status st;
  CAF_CHECK(open(dir, durability::sync, &st) == nullptr);
  CAF_CHECK_EQUAL(code(st), "io_error");
  CAF_CHECK(contains(st.message, "format"));
}

CAF_TEST(partitions lists only canonical partition files) {
  auto dir = tmp.sub("names");
  auto e = open(dir);
  CAF_REQUIRE(e->open_partition(0).ok());
  CAF_REQUIRE(e->open_partition(123456).ok());
  for (auto name : {"p-017.db", "p-00017.dbx", "p-0001x.db", "x-00017.db",
                    "p-99999999999.db", "p-00018.db.bak"})
    write_file(dir + "/" + name, "");
  CAF_CHECK(fs::exists(dir + "/p-00000.db"));
  CAF_CHECK(fs::exists(dir + "/p-123456.db"));
  CAF_CHECK(e->partitions() == (std::vector<partition_id>{0, 123456}));
}

CAF_TEST(SIGKILL loses no acknowledged write_no_sync commit) {
  // Fork first, before this test creates any thread or engine.
  auto dir = tmp.sub("kill9");
  int fds[2];
  CAF_REQUIRE(::pipe(fds) == 0);
  auto pid = ::fork();
  CAF_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    bdb_options opts;
    opts.directory = dir;
    opts.default_mode = durability::write_no_sync;
    status st;
    auto e = open_bdb_engine(opts, st);
    if (!e || !e->open_partition(3).ok())
      ::_exit(2);
    for (uint64_t i = 0;; ++i) {
      if (!e->put(3, key_of(i), value_of(i), {}).ok())
        ::_exit(3);
      // Reported only after the commit returned.
      if (::write(fds[1], &i, sizeof(i)) != sizeof(i))
        ::_exit(4);
    }
  }
  ::close(fds[1]);
  std::set<uint64_t> acknowledged;
  auto read_one = [&] {
    uint64_t i = 0;
    size_t got = 0;
    while (got < sizeof(i)) {
      auto n
        = ::read(fds[0], reinterpret_cast<char*>(&i) + got, sizeof(i) - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      got += static_cast<size_t>(n);
    }
    acknowledged.insert(i);
    return true;
  };
  // Let the child get well into its stream, then kill it mid-write.
  while (acknowledged.size() < 3000 && read_one())
    ; // nop
  ::kill(pid, SIGKILL);
  // Reports already in the pipe were acknowledged before the kill.
  while (read_one())
    ; // nop
  ::close(fds[0]);
  int wstatus = 0;
  CAF_REQUIRE_EQUAL(::waitpid(pid, &wstatus, 0), pid);
  CAF_REQUIRE(WIFSIGNALED(wstatus));
  CAF_CHECK_EQUAL(WTERMSIG(wstatus), SIGKILL);
  CAF_REQUIRE_GREATER_OR_EQUAL(acknowledged.size(), 3000u);
  CAF_MESSAGE("child acknowledged " << acknowledged.size() << " commits");
  auto e = open(dir); // runs recovery
  CAF_REQUIRE(e->open_partition(3).ok());
  size_t lost = 0;
  for (auto i : acknowledged) {
    std::string out;
    if (e->get(3, key_of(i), out).ok() && out == value_of(i))
      continue;
    if (lost++ == 0)
      CAF_MESSAGE("first lost acknowledged commit: " << i);
  }
  CAF_CHECK_EQUAL(lost, 0u);
}

CAF_TEST(opening a partition holds up no other partition) {
  // Creating a partition's database syncs several times; on a busy disk
  // that took long enough for every other request of the node to queue
  // behind it, and its peers to suspect it.
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  bdb_options opts;
  opts.directory = tmp.sub("slow-open");
  opts.before_open = [&](const std::string& file) {
    if (file == "p-00007.db") {
      entered.set_value();
      released.wait();
    }
  };
  status st;
  auto e = open_bdb_engine(opts, st);
  CAF_REQUIRE_EQUAL(str(st), "ok");
  CAF_REQUIRE(e->open_partition(1).ok());
  auto opener = std::async(std::launch::async,
                           [&] { return e->open_partition(7); });
  entered.get_future().wait();
  auto second = std::async(std::launch::async,
                           [&] { return e->open_partition(7); });
  auto served = std::async(std::launch::async, [&] {
    std::string out;
    return e->put(1, "k", "v", {}).ok() && e->get(1, "k", out).ok()
           && e->open_partition(2).ok() && e->put(2, "k", "v", {}).ok();
  });
  auto in_time
    = served.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  CAF_CHECK(in_time);
  // A second open of the same partition waits for the first one.
  CAF_CHECK(second.wait_for(std::chrono::milliseconds(50))
            == std::future_status::timeout);
  release.set_value();
  CAF_CHECK(served.get());
  CAF_CHECK_EQUAL(str(opener.get()), "ok");
  CAF_CHECK_EQUAL(str(second.get()), "ok");
  CAF_CHECK_EQUAL(str(e->put(7, "k", "v", {})), "ok");
}

CAF_TEST(old log files are removed) {
  // Without checkpoints, DB_LOG_AUTO_REMOVE removes nothing and the log
  // grows with every write ever made. Checkpoints run on the engine's own
  // thread and a writer waits for one only when 256 MiB of log wait for
  // removal, so what is kept stays bounded however much is written (27
  // files of 10 MiB measured with 1 MiB values written flat out; each
  // overwrite logs about 2 MiB, 60 files in all).
  auto dir = tmp.sub("logs");
  auto e = open(dir);
  CAF_REQUIRE(e->open_partition(1).ok());
  std::string value(1024 * 1024, 'v');
  size_t most = 0;
  for (int i = 0; i < 300; ++i) { // ~600 MiB of log: sixty 10 MiB files
    CAF_REQUIRE(e->put(1, "k" + std::to_string(i % 4), value, {}).ok());
    most = std::max(most, log_files(dir));
  }
  CAF_MESSAGE("at most " << most << " log files during ~300 MiB of writes");
  CAF_CHECK_LESS_OR_EQUAL(most, 29u);
}

CAF_TEST(a full disk is no_space and loses no acknowledged write) {
  // Two ways to hit the wall: with a small cache, writing back dirty pages
  // fails first (Berkeley DB then reports ENOMEM from its cache, the cause
  // only in its messages); with a larger one, the log write does.
  for (size_t cache : {size_t{512 * 1024}, size_t{4 * 1024 * 1024}}) {
    CAF_MESSAGE("cache of " << cache / 1024 << " KiB");
    auto mnt = tmp.sub("tmpfs-" + std::to_string(cache));
    fs::create_directories(mnt);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=6m") != 0) {
      CAF_MESSAGE("SKIPPED: cannot mount a small tmpfs to fill ("
                  << std::strerror(errno) << "); no_space mapping untested");
      return;
    }
    struct unmount {
      std::string path;
      ~unmount() { ::umount2(path.c_str(), MNT_DETACH); }
    } guard{mnt};
    bdb_options opts;
    opts.directory = mnt + "/data";
    opts.cache_bytes = cache;
    std::string value(64 * 1024, 'v');
    int acknowledged = 0;
    {
      status st;
      auto e = open_bdb_engine(opts, st);
      CAF_REQUIRE_EQUAL(str(st), "ok");
      CAF_REQUIRE(e->open_partition(1).ok());
      for (; acknowledged < 1000; ++acknowledged) {
        st = e->put(1, "k" + std::to_string(acknowledged), value, {});
        if (!st.ok())
          break;
      }
      CAF_MESSAGE("failed after " << acknowledged << " puts of 64 KiB: "
                                  << str(st).substr(0, 300));
      CAF_CHECK_EQUAL(code(st), "no_space");
      CAF_CHECK(contains(st.message, opts.directory));
      st = e->put(1, "small", "x", {});
      CAF_CHECK_EQUAL(code(st), "no_space");
    }
    // Room again: every acknowledged write is there after recovery.
    CAF_REQUIRE_EQUAL(
      ::mount("tmpfs", mnt.c_str(), "tmpfs", MS_REMOUNT, "size=64m"), 0);
    status st;
    auto e = open_bdb_engine(opts, st);
    CAF_REQUIRE_EQUAL(str(st), "ok");
    CAF_REQUIRE(e->open_partition(1).ok());
    int intact = 0;
    for (int i = 0; i < acknowledged; ++i) {
      std::string out;
      if (e->get(1, "k" + std::to_string(i), out).ok() && out == value)
        ++intact;
    }
    CAF_CHECK_GREATER(acknowledged, 0);
    CAF_CHECK_EQUAL(intact, acknowledged);
    CAF_CHECK(e->put(1, "small", "x", {}).ok());
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
