// bdb-bench: raw throughput of the Berkeley DB storage engine, one thread,
// no actors: puts with each durability, forced-sync puts, cached gets, a
// fold, object_store.coordinate (codec + read-modify-write) on top, and the
// record codec alone (encode and decode of one stored object).
//
//   bdb-bench [--dir=PATH] [--puts=20000] [--sync-puts=1000]
//             [--gets=200000] [--value-bytes=100]
//
// Without --dir it works in a fresh directory under /tmp and removes it.
// Figures depend on the disk's fsync latency; state the machine with them.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>

#include "storage/object_store.hpp"
#include "storage/record_codec.hpp"
#include "storage/storage_engine.hpp"

using namespace dkv;
using namespace dkv::storage;

namespace {

struct settings {
  std::string dir;
  size_t puts = 20000;
  size_t sync_puts = 1000;
  size_t gets = 200000;
  size_t value_bytes = 100;
};

bool parse(int argc, char** argv, settings& s) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      auto n = std::strlen(name);
      return arg.compare(0, n, name) == 0 ? argv[i] + n : nullptr;
    };
    if (auto v = value("--dir="))
      s.dir = v;
    else if (auto v = value("--puts="))
      s.puts = std::strtoull(v, nullptr, 10);
    else if (auto v = value("--sync-puts="))
      s.sync_puts = std::strtoull(v, nullptr, 10);
    else if (auto v = value("--gets="))
      s.gets = std::strtoull(v, nullptr, 10);
    else if (auto v = value("--value-bytes="))
      s.value_bytes = std::strtoull(v, nullptr, 10);
    else {
      std::fprintf(stderr, "unknown argument: %s\n", argv[i]);
      return false;
    }
  }
  return s.puts > 0 && s.sync_puts > 0 && s.gets > 0;
}

std::string key_of(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key-%010zu", i);
  return buf;
}

/// Runs `op` n times and prints the rate; exits on the first failure.
void measure(const char* what, size_t n,
             const std::function<status(size_t)>& op) {
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; ++i) {
    if (auto st = op(i); !st.ok()) {
      std::fprintf(stderr, "%s failed at %zu: %s\n", what, i,
                   st.message.c_str());
      std::exit(EXIT_FAILURE);
    }
  }
  std::chrono::duration<double> secs = std::chrono::steady_clock::now() - start;
  std::printf("%-38s %8zu ops in %7.3f s = %10.0f ops/s (%.2f us/op)\n", what,
              n, secs.count(), n / secs.count(), 1e6 * secs.count() / n);
}

std::unique_ptr<storage_engine> open(const std::string& dir, durability mode) {
  bdb_options opts;
  opts.directory = dir;
  opts.default_mode = mode;
  status st;
  auto engine = open_bdb_engine(opts, st);
  if (!engine || !engine->open_partition(1).ok()) {
    std::fprintf(stderr, "cannot open %s: %s\n", dir.c_str(),
                 st.message.c_str());
    std::exit(EXIT_FAILURE);
  }
  return engine;
}

} // namespace

int main(int argc, char** argv) {
  settings s;
  if (!parse(argc, argv, s))
    return EXIT_FAILURE;
  bool own_dir = s.dir.empty();
  if (own_dir) {
    std::string pattern = "/tmp/bdb-bench-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      std::perror("mkdtemp");
      return EXIT_FAILURE;
    }
    s.dir = pattern;
  }
  std::printf("bdb-bench: dir=%s value=%zu bytes, 1 thread, 64 MiB cache\n",
              s.dir.c_str(), s.value_bytes);
  std::string value(s.value_bytes, 'v');
  std::mt19937_64 rng{1};
  {
    auto e = open(s.dir + "/nosync", durability::write_no_sync);
    measure("put (write_no_sync)", s.puts,
            [&](size_t i) { return e->put(1, key_of(i), value, {}); });
    write_options forced;
    forced.force_sync = true;
    measure("put (write_no_sync + force_sync)", s.sync_puts, [&](size_t i) {
      return e->put(1, key_of(s.puts + i), value, forced);
    });
    std::string out;
    measure("get (cached, random keys)", s.gets,
            [&](size_t) { return e->get(1, key_of(rng() % s.puts), out); });
    size_t folded = 0;
    auto start = std::chrono::steady_clock::now();
    e->fold(1, [&](const std::string&, const std::string&) {
      ++folded;
      return true;
    });
    std::chrono::duration<double> secs
      = std::chrono::steady_clock::now() - start;
    std::printf("%-38s %8zu ops in %7.3f s = %10.0f ops/s\n", "fold", folded,
                secs.count(), folded / secs.count());
    object_store store{*e, object_limits{}};
    object result;
    measure("object_store.coordinate (no_sync)", s.puts, [&](size_t i) {
      write_request req;
      req.coordinator = 0xBEEF;
      req.value = value;
      req.now_ms = i;
      return store.coordinate(1, "obj-" + key_of(i), req, result);
    });
    measure("object_store.get (cached)", s.gets, [&](size_t) {
      return store.get(1, "obj-" + key_of(rng() % s.puts), result);
    });
    std::string record;
    measure("encode_record (one sibling)", s.gets, [&](size_t) {
      record = encode_record(result);
      return status{};
    });
    measure("decode_record (one sibling)", s.gets, [&](size_t) {
      if (!decode_record(result.key, record))
        return status{status_code::corruption, "the record did not decode"};
      return status{};
    });
  }
  {
    auto e = open(s.dir + "/sync", durability::sync);
    measure("put (sync)", s.sync_puts,
            [&](size_t i) { return e->put(1, key_of(i), value, {}); });
  }
  if (own_dir) {
    std::error_code ec;
    std::filesystem::remove_all(s.dir, ec);
  }
  return EXIT_SUCCESS;
}
