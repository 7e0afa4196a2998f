// One conformance suite for every storage_engine: each test runs against the
// memory engine, the Berkeley DB engine and the Berkeley DB engine behind a
// record cache (as nodes run it), so the engine that the actor tests use
// cannot drift from the one that production uses, and the cache cannot
// change what a read sees.

#include "storage/storage_engine.hpp"

#include <atomic>
#include <functional>
#include <map>
#include <random>
#include <thread>

#include "caf/test/unit_test.hpp"

#include "storage/record_cache.hpp"
#include "temp_dir.hpp"

using namespace dkv;
using namespace dkv::storage;

namespace {

/// Printable codes in failure output.
/// As std::string: CAF_CHECK_EQUAL on two const char* compares pointers.
std::string code(const status& st) {
  return to_string(st.code);
}

std::string str(const status& st) {
  return std::string{code(st)} + (st.message.empty() ? "" : ": ") + st.message;
}

std::string get_or(storage_engine& e, partition_id p, const std::string& key,
                   const std::string& fallback = "<none>") {
  std::string result;
  auto st = e.get(p, key, result);
  return st.ok() ? result : fallback + "(" + code(st) + ")";
}

std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng{seed};
  std::string result(n, '\0');
  for (auto& c : result)
    c = static_cast<char>(rng() & 0xFF);
  return result;
}

struct fixture {
  test::temp_dir tmp;
  int bdb_count = 0;

  std::unique_ptr<storage_engine> open_bdb(const std::string& dir) {
    bdb_options opts;
    opts.directory = dir;
    opts.default_mode = durability::write_no_sync;
    status st;
    auto result = open_bdb_engine(opts, st);
    CAF_REQUIRE_EQUAL(str(st), "ok");
    CAF_REQUIRE(result != nullptr);
    return result;
  }

  /// Runs `body` once per engine, each on a fresh, empty engine.
  void each_engine(const std::function<void(storage_engine&)>& body) {
    {
      CAF_MESSAGE("-- memory engine");
      auto engine = make_memory_engine();
      body(*engine);
    }
    {
      CAF_MESSAGE("-- bdb engine");
      auto engine = open_bdb(tmp.sub("bdb-" + std::to_string(bdb_count++)));
      body(*engine);
    }
    {
      CAF_MESSAGE("-- bdb engine behind a record cache");
      auto engine = make_cached_engine(
        open_bdb(tmp.sub("bdb-" + std::to_string(bdb_count++))),
        std::make_shared<record_cache>(1024 * 1024));
      body(*engine);
    }
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(engine_conformance_tests, fixture)

CAF_TEST(put get erase) {
  each_engine([](storage_engine& e) {
    CAF_REQUIRE(e.open_partition(1).ok());
    std::string out;
    CAF_CHECK_EQUAL(code(e.get(1, "k", out)), "not_found");
    CAF_CHECK(e.put(1, "k", "v1", {}).ok());
    CAF_CHECK_EQUAL(get_or(e, 1, "k"), "v1");
    CAF_CHECK(e.put(1, "k", "v2", {}).ok());
    CAF_CHECK_EQUAL(get_or(e, 1, "k"), "v2");
    write_options synced;
    synced.force_sync = true;
    CAF_CHECK(e.put(1, "other", "x", synced).ok());
    CAF_CHECK(e.erase(1, "k", {}).ok());
    CAF_CHECK_EQUAL(code(e.get(1, "k", out)), "not_found");
    CAF_CHECK_EQUAL(get_or(e, 1, "other"), "x");
    // Erasing an absent key is not an error.
    CAF_CHECK(e.erase(1, "k", {}).ok());
    CAF_CHECK(e.erase(1, "never", {}).ok());
  });
}

CAF_TEST(partitions are isolated and must be open) {
  each_engine([](storage_engine& e) {
    std::string out;
    CAF_CHECK_EQUAL(code(e.get(4, "k", out)), "no_partition");
    CAF_CHECK_EQUAL(code(e.put(4, "k", "v", {})), "no_partition");
    CAF_CHECK_EQUAL(code(e.erase(4, "k", {})), "no_partition");
    auto keep = [](auto&, auto&) { return status{}; };
    CAF_CHECK_EQUAL(code(e.update(4, "k", keep, {})), "no_partition");
    auto all = [](auto&, auto&) { return true; };
    CAF_CHECK_EQUAL(code(e.fold(4, all)), "no_partition");
    CAF_REQUIRE(e.open_partition(4).ok());
    CAF_REQUIRE(e.open_partition(4).ok()); // idempotent
    CAF_REQUIRE(e.open_partition(5).ok());
    CAF_CHECK(e.put(4, "k", "four", {}).ok());
    CAF_CHECK(e.put(5, "k", "five", {}).ok());
    CAF_CHECK_EQUAL(get_or(e, 4, "k"), "four");
    CAF_CHECK_EQUAL(get_or(e, 5, "k"), "five");
  });
}

CAF_TEST(update decides atomically) {
  each_engine([](storage_engine& e) {
    CAF_REQUIRE(e.open_partition(1).ok());
    // Absent: decide sees nothing and creates the record.
    bool saw_absent = false;
    auto st = e.update(1, "k",
                       [&](const std::optional<std::string>& cur,
                           std::optional<std::string>& repl) {
                         saw_absent = !cur.has_value();
                         repl = "created";
                         return status{};
                       },
                       {});
    CAF_CHECK_EQUAL(str(st), "ok");
    CAF_CHECK(saw_absent);
    CAF_CHECK_EQUAL(get_or(e, 1, "k"), "created");
    // Present: decide sees the current record.
    std::string seen;
    st = e.update(1, "k",
                  [&](const std::optional<std::string>& cur,
                      std::optional<std::string>& repl) {
                    seen = cur.value_or("<none>");
                    repl = seen + "+1";
                    return status{};
                  },
                  {});
    CAF_CHECK_EQUAL(str(st), "ok");
    CAF_CHECK_EQUAL(seen, "created");
    CAF_CHECK_EQUAL(get_or(e, 1, "k"), "created+1");
    // No replacement: the key stays untouched, present or absent.
    auto keep = [](const std::optional<std::string>&,
                   std::optional<std::string>&) { return status{}; };
    CAF_CHECK_EQUAL(str(e.update(1, "k", keep, {})), "ok");
    CAF_CHECK_EQUAL(get_or(e, 1, "k"), "created+1");
    CAF_CHECK_EQUAL(str(e.update(1, "absent", keep, {})), "ok");
    CAF_CHECK_EQUAL(get_or(e, 1, "absent"), "<none>(not_found)");
    // An error verdict aborts even with a replacement set, and is returned.
    auto veto = [](const std::optional<std::string>&,
                   std::optional<std::string>& repl) {
      repl = "must not be stored";
      return status{status_code::corruption, "vetoed"};
    };
    st = e.update(1, "k", veto, {});
    CAF_CHECK_EQUAL(str(st), "corruption: vetoed");
    CAF_CHECK_EQUAL(get_or(e, 1, "k"), "created+1");
    st = e.update(1, "absent", veto, {});
    CAF_CHECK_EQUAL(str(st), "corruption: vetoed");
    CAF_CHECK_EQUAL(get_or(e, 1, "absent"), "<none>(not_found)");
  });
}

CAF_TEST(concurrent updates lose no increment) {
  // Two threads increment one counter: any read-modify-write that is not
  // one transaction loses increments (and the Berkeley DB engine must
  // resolve the lock conflicts, not deadlock).
  each_engine([](storage_engine& e) {
    CAF_REQUIRE(e.open_partition(1).ok());
    constexpr int per_thread = 300;
    auto increment = [](const std::optional<std::string>& cur,
                        std::optional<std::string>& repl) {
      repl = std::to_string(cur ? std::stoi(*cur) + 1 : 1);
      return status{};
    };
    std::atomic<int> failures{0};
    auto work = [&] {
      for (int i = 0; i < per_thread; ++i)
        if (!e.update(1, "counter", increment, {}).ok())
          ++failures;
    };
    std::thread t1{work};
    std::thread t2{work};
    t1.join();
    t2.join();
    CAF_CHECK_EQUAL(failures.load(), 0);
    CAF_CHECK_EQUAL(get_or(e, 1, "counter"), std::to_string(2 * per_thread));
  });
}

CAF_TEST(fold visits in key order and stops early) {
  each_engine([](storage_engine& e) {
    CAF_REQUIRE(e.open_partition(2).ok());
    CAF_REQUIRE(e.open_partition(3).ok());
    // Byte order must be unsigned and a prefix sorts first: both engines
    // must agree with std::map<std::string, ...>.
    std::map<std::string, std::string> expected;
    std::vector<std::string> keys{
      "b", "a", "ab", std::string("a\0", 2), "\xff", "\x01", "B", "zz", "z"};
    for (int i = 0; i < 600; ++i) // spans several Berkeley DB fold batches
      keys.push_back("n" + std::to_string(i));
    for (auto& k : keys) {
      expected[k] = "v:" + k;
      CAF_REQUIRE(e.put(2, k, "v:" + k, {}).ok());
    }
    CAF_REQUIRE(e.put(3, "elsewhere", "x", {}).ok());
    std::vector<std::pair<std::string, std::string>> seen;
    auto st = e.fold(2, [&](const std::string& k, const std::string& v) {
      seen.emplace_back(k, v);
      return true;
    });
    CAF_CHECK_EQUAL(str(st), "ok");
    std::vector<std::pair<std::string, std::string>> want(expected.begin(),
                                                          expected.end());
    CAF_CHECK(seen == want);
    CAF_CHECK_EQUAL(seen.size(), want.size());
    // Early stop: exactly three visits.
    size_t visits = 0;
    st = e.fold(
      2, [&](const std::string&, const std::string&) { return ++visits < 3; });
    CAF_CHECK_EQUAL(str(st), "ok");
    CAF_CHECK_EQUAL(visits, 3u);
    // The visitor may write to the engine: erase everything while folding.
    st = e.fold(2, [&](const std::string& k, const std::string&) {
      return e.erase(2, k, {}).ok();
    });
    CAF_CHECK_EQUAL(str(st), "ok");
    visits = 0;
    e.fold(2, [&](const std::string&, const std::string&) {
      ++visits;
      return true;
    });
    CAF_CHECK_EQUAL(visits, 0u);
    CAF_CHECK_EQUAL(get_or(e, 3, "elsewhere"), "x");
  });
}

CAF_TEST(partitions and drop) {
  each_engine([](storage_engine& e) {
    CAF_CHECK(e.partitions().empty());
    for (partition_id p : {3u, 1u, 70000u})
      CAF_REQUIRE(e.open_partition(p).ok());
    CAF_CHECK(e.partitions() == (std::vector<partition_id>{1, 3, 70000}));
    CAF_REQUIRE(e.put(3, "k", "v", {}).ok());
    CAF_REQUIRE(e.put(1, "k", "one", {}).ok());
    CAF_CHECK_EQUAL(str(e.drop_partition(3)), "ok");
    CAF_CHECK(e.partitions() == (std::vector<partition_id>{1, 70000}));
    std::string out;
    CAF_CHECK_EQUAL(code(e.get(3, "k", out)), "no_partition");
    CAF_CHECK_EQUAL(str(e.drop_partition(3)), "ok");  // idempotent
    CAF_CHECK_EQUAL(str(e.drop_partition(99)), "ok"); // never existed
    // Reopened after a drop: empty.
    CAF_REQUIRE(e.open_partition(3).ok());
    CAF_CHECK_EQUAL(code(e.get(3, "k", out)), "not_found");
    CAF_CHECK_EQUAL(get_or(e, 1, "k"), "one");
  });
}

CAF_TEST(a read after a write or a drop sees it) {
  // Each record is read first (a cache then holds it), then changed.
  each_engine([](storage_engine& e) {
    CAF_REQUIRE(e.open_partition(1).ok());
    CAF_REQUIRE(e.open_partition(2).ok());
    auto read_then = [&](const std::string& key, auto change) {
      CAF_REQUIRE(e.put(1, key, "old", {}).ok());
      CAF_REQUIRE_EQUAL(get_or(e, 1, key), "old");
      CAF_REQUIRE_EQUAL(get_or(e, 1, key), "old");
      change(key);
    };
    read_then("put",
              [&](auto& key) { CAF_CHECK(e.put(1, key, "new", {}).ok()); });
    CAF_CHECK_EQUAL(get_or(e, 1, "put"), "new");
    read_then("erase", [&](auto& key) { CAF_CHECK(e.erase(1, key, {}).ok()); });
    CAF_CHECK_EQUAL(get_or(e, 1, "erase"), "<none>(not_found)");
    read_then("update", [&](auto& key) {
      auto st = e.update(1, key,
                         [](const std::optional<std::string>&,
                            std::optional<std::string>& repl) {
                           repl = "new";
                           return status{};
                         },
                         {});
      CAF_CHECK(st.ok());
    });
    CAF_CHECK_EQUAL(get_or(e, 1, "update"), "new");
    CAF_REQUIRE(e.put(2, "kept", "two", {}).ok());
    CAF_REQUIRE_EQUAL(get_or(e, 2, "kept"), "two");
    read_then("dropped", [&](auto&) { CAF_CHECK(e.drop_partition(1).ok()); });
    CAF_REQUIRE(e.open_partition(1).ok());
    CAF_CHECK_EQUAL(get_or(e, 1, "dropped"), "<none>(not_found)");
    CAF_CHECK_EQUAL(get_or(e, 1, "put"), "<none>(not_found)");
    CAF_CHECK_EQUAL(get_or(e, 2, "kept"), "two");
  });
}

CAF_TEST(metadata) {
  each_engine([](storage_engine& e) {
    std::string out;
    CAF_CHECK_EQUAL(code(e.get_meta("members.v1", out)), "not_found");
    CAF_CHECK(e.put_meta("members.v1", "a 1\nb 2\n").ok());
    CAF_CHECK(e.get_meta("members.v1", out).ok());
    CAF_CHECK_EQUAL(out, "a 1\nb 2\n");
    CAF_CHECK(e.put_meta("members.v1", "").ok());
    CAF_CHECK(e.get_meta("members.v1", out).ok());
    CAF_CHECK_EQUAL(out, "");
    // Metadata is outside every partition.
    CAF_REQUIRE(e.open_partition(1).ok());
    CAF_CHECK_EQUAL(code(e.get(1, "members.v1", out)), "not_found");
    CAF_CHECK(e.sync().ok());
    CAF_CHECK(e.flush_log().ok());
  });
}

CAF_TEST(binary keys and values) {
  each_engine([](storage_engine& e) {
    CAF_REQUIRE(e.open_partition(1).ok());
    std::string k1("a\0b", 3);
    std::string k2("a\0c", 3);
    std::string k3("a", 1);
    std::string k4("\0", 1);
    std::string v("\0\xff\0", 3);
    CAF_CHECK(e.put(1, k1, "1" + v, {}).ok());
    CAF_CHECK(e.put(1, k2, "2" + v, {}).ok());
    CAF_CHECK(e.put(1, k3, "3", {}).ok());
    CAF_CHECK(e.put(1, k4, v, {}).ok());
    CAF_CHECK_EQUAL(get_or(e, 1, k1), "1" + v);
    CAF_CHECK_EQUAL(get_or(e, 1, k2), "2" + v);
    CAF_CHECK_EQUAL(get_or(e, 1, k3), "3");
    CAF_CHECK_EQUAL(get_or(e, 1, k4), v);
    CAF_CHECK(e.erase(1, k1, {}).ok());
    CAF_CHECK_EQUAL(get_or(e, 1, k2), "2" + v);
    CAF_CHECK_EQUAL(get_or(e, 1, k1), "<none>(not_found)");
  });
}

CAF_TEST(one mebibyte values) {
  each_engine([](storage_engine& e) {
    CAF_REQUIRE(e.open_partition(1).ok());
    constexpr size_t mib = 1024 * 1024;
    for (uint64_t i = 0; i < 4; ++i)
      CAF_REQUIRE(
        e.put(1, "big" + std::to_string(i), random_bytes(mib + i, i), {}).ok());
    for (uint64_t i = 0; i < 4; ++i) {
      std::string out;
      CAF_REQUIRE(e.get(1, "big" + std::to_string(i), out).ok());
      CAF_CHECK_EQUAL(out.size(), mib + i);
      CAF_CHECK(out == random_bytes(mib + i, i));
    }
    size_t bytes = 0;
    e.fold(1, [&](const std::string&, const std::string& v) {
      bytes += v.size();
      return true;
    });
    CAF_CHECK_EQUAL(bytes, 4 * mib + 6);
  });
}

CAF_TEST(bdb engine keeps everything across reopen) {
  auto dir = tmp.sub("reopen");
  {
    auto e = open_bdb(dir);
    CAF_REQUIRE(e->open_partition(9).ok());
    CAF_REQUIRE(e->open_partition(10).ok());
    CAF_REQUIRE(e->put(9, "k", "v", {}).ok());
    CAF_REQUIRE(e->put(10, std::string("\0", 1), "nul", {}).ok());
    CAF_REQUIRE(e->put_meta("incarnation.v1", "00000000000000ff").ok());
  }
  auto e = open_bdb(dir);
  // Partitions exist on disk before anyone opens them.
  CAF_CHECK(e->partitions() == (std::vector<partition_id>{9, 10}));
  CAF_REQUIRE(e->open_partition(9).ok());
  CAF_REQUIRE(e->open_partition(10).ok());
  CAF_CHECK_EQUAL(get_or(*e, 9, "k"), "v");
  CAF_CHECK_EQUAL(get_or(*e, 10, std::string("\0", 1)), "nul");
  std::string out;
  CAF_CHECK(e->get_meta("incarnation.v1", out).ok());
  CAF_CHECK_EQUAL(out, "00000000000000ff");
}

CAF_TEST_FIXTURE_SCOPE_END()

// Beyond conformance: what the record cache in front of an engine holds.
CAF_TEST(a record cache holds what a committed write stored) {
  auto cache = std::make_shared<record_cache>(1024 * 1024);
  auto engine = make_cached_engine(make_memory_engine(), cache);
  CAF_REQUIRE(engine->open_partition(1).ok());
  CAF_REQUIRE(engine->put(1, "k", "v1", {}).ok());
  CAF_CHECK_EQUAL(cache->find_held(1, "k").value_or("<none>"), "v1");
  auto replace_with = [](std::string value) {
    return [value](const std::optional<std::string>&,
                   std::optional<std::string>& replacement) {
      replacement = value;
      return status{};
    };
  };
  CAF_REQUIRE(engine->update(1, "k", replace_with("v2"), {}).ok());
  CAF_CHECK_EQUAL(cache->find_held(1, "k").value_or("<none>"), "v2");
  // A write that fails forgets the key.
  auto refuse = [](const std::optional<std::string>&,
                   std::optional<std::string>& replacement) {
    replacement = "never stored";
    return status{status_code::invalid_argument, "refused"};
  };
  CAF_CHECK(!engine->update(1, "k", refuse, {}).ok());
  CAF_CHECK(!cache->find_held(1, "k"));
  CAF_CHECK_EQUAL(get_or(*engine, 1, "k"), "v2");
  CAF_REQUIRE(engine->update(1, "k", replace_with("v3"), {}).ok());
  CAF_REQUIRE(engine->erase(1, "k", {}).ok());
  CAF_CHECK(!cache->find_held(1, "k"));
}
