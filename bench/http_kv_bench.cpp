// http-kv-bench: a load generator for etcd v3 through its JSON gateway
// (etcd 3.4: POST /v3/kv/put and /v3/kv/range, keys and values in base64),
// so that etcd is measured the way dkv-bench measures dkv: closed-loop
// clients, one request outstanding each, latencies in the same histograms,
// the same report (text, or --json with "run"."throughput" and
// "latency_us"."read"/"update").
//
//   http-kv-bench --endpoints=127.0.0.1:5921,127.0.0.1:5922 --records=10000
//                 --load --mode=get --concurrency=50 --duration=10
//
// Each client is a thread with one blocking HTTP/1.1 keep-alive connection;
// client i talks to endpoint i modulo their number. Reads are linearizable
// (etcd confirms its leadership with a quorum first, as a dkv read waits
// for R replicas) unless --serializable, which reads the member's local
// state. Options (or keys of an INI file given by --config-file):
//   --endpoints=H:P,...  etcd client URLs' host:port   (127.0.0.1:2379)
//   --mode=M             put, get or mixed                          (get)
//   --read-fraction=F    share of gets in mixed mode                (0.95)
//   --records, --value-bytes, --distribution, --load, --concurrency,
//   --duration, --warmup, --seed, --key-prefix, --json: as dkv-bench

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "caf/actor_system_config.hpp"

#include "bench/support/endpoints.hpp"
#include "bench/support/key_chooser.hpp"
#include "bench/support/report.hpp"
#include "bench/support/workload.hpp"

namespace {

using namespace dkv::bench;
using clock_type = std::chrono::steady_clock;

// Only CAF's option parsing (--help, INI files, the same syntax as
// dkv-bench); no actor system is started.
struct http_bench_config : caf::actor_system_config {
  std::string endpoints = "127.0.0.1:2379";
  std::string mode = "get";
  double read_fraction = 0.95;
  std::string distribution = "zipfian";
  size_t records = 10000;
  size_t value_bytes = 100;
  bool load_records = false;
  size_t concurrency = 1;
  double duration = 10;
  double warmup = 0;
  bool serializable = false;
  size_t seed = 0;
  std::string key_prefix = "bench-";
  bool json = false;

  http_bench_config() {
    opt_group{custom_options_, "global"}
      .add(endpoints, "endpoints", "host:port,... of the etcd members")
      .add(mode, "mode", "put, get or mixed")
      .add(read_fraction, "read-fraction", "share of gets in mixed mode")
      .add(distribution, "distribution", "zipfian or uniform")
      .add(records, "records", "number of keys")
      .add(value_bytes, "value-bytes", "size of each value written")
      .add(load_records, "load", "put every record before the run")
      .add(concurrency, "concurrency", "connections, one request each")
      .add(duration, "duration", "seconds to measure")
      .add(warmup, "warmup", "seconds to run before measuring")
      .add(serializable, "serializable", "gets read the member's state")
      .add(seed, "seed", "random seed (0: pick one)")
      .add(key_prefix, "key-prefix", "prefix of every key")
      .add(json, "json", "print one JSON object");
  }
};

// -- HTTP/1.1 over one blocking socket ---------------------------------------

/// A response bigger than this is an error, not a reason to allocate.
constexpr size_t max_header_bytes = 16 * 1024;
constexpr size_t max_body_bytes = 4 * 1024 * 1024;

/// A stuck server fails the request instead of hanging the run.
constexpr int io_timeout_seconds = 10;

std::string base64(const std::string& in) {
  static const char alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16
                 | static_cast<uint8_t>(in[i + 1]) << 8
                 | static_cast<uint8_t>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6)
      out += alphabet[(n >> shift) & 63];
  }
  if (auto rest = in.size() - i; rest > 0) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (rest == 2)
      n |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

struct http_response {
  int status = 0;
  std::string body;
};

class http_connection {
public:
  http_connection() = default;
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;
  http_connection(http_connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), host_(std::move(other.host_)),
      buf_(std::move(other.buf_)) {}
  ~http_connection() { close(); }

  /// Connects to `host`:`port`; "" on success, else why not.
  std::string open(const std::string& host, uint16_t port) {
    close();
    host_ = host + ":" + std::to_string(port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    auto port_str = std::to_string(port);
    if (auto rc = getaddrinfo(host.c_str(), port_str.c_str(), &hints, &found))
      return gai_strerror(rc);
    std::string why = "no address";
    for (auto ai = found; ai != nullptr && fd_ < 0; ai = ai->ai_next) {
      fd_ = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
      if (fd_ >= 0 && ::connect(fd_, ai->ai_addr, ai->ai_addrlen) != 0) {
        why = std::strerror(errno);
        close();
      }
    }
    freeaddrinfo(found);
    if (fd_ < 0)
      return why;
    int one = 1; // a request is one small write: do not wait for more
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    timeval tv{io_timeout_seconds, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return "";
  }

  bool is_open() const { return fd_ >= 0; }

  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }

  /// POSTs a JSON body to `path` and reads the response; nothing (and a
  /// closed connection) on an I/O or protocol error, with `why` set.
  std::optional<http_response> post(const char* path, const std::string& json,
                                    std::string& why) {
    auto request = std::string{"POST "} + path + " HTTP/1.1\r\nHost: " + host_
                   + "\r\nContent-Type: application/json\r\nContent-Length: "
                   + std::to_string(json.size()) + "\r\n\r\n" + json;
    if (!send_all(request, why))
      return fail();
    http_response response;
    auto header = read_header(why);
    if (!header || !parse_status(*header, response.status, why))
      return fail();
    if (auto length = header_value(*header, "content-length")) {
      auto n = std::strtoull(length->c_str(), nullptr, 10);
      if (n > max_body_bytes) {
        why = "response body of " + *length + " bytes";
        return fail();
      }
      if (!read_exactly(n, response.body, why))
        return fail();
    } else if (header_value(*header, "transfer-encoding") == "chunked") {
      if (!read_chunked(response.body, why))
        return fail();
    } else {
      why = "response without Content-Length";
      return fail();
    }
    if (header_value(*header, "connection") == "close")
      close();
    return response;
  }

private:
  std::nullopt_t fail() {
    close();
    return std::nullopt;
  }

  bool send_all(const std::string& data, std::string& why) {
    for (size_t sent = 0; sent < data.size();) {
      auto n
        = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        why = n == 0 ? "connection closed" : std::strerror(errno);
        return false;
      }
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  /// Appends what the socket has to buf_.
  bool fill(std::string& why) {
    char chunk[16 * 1024];
    auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      why = n == 0 ? "connection closed by the server" : std::strerror(errno);
      return false;
    }
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  /// Up to `delimiter`, which is consumed; bounded by max_header_bytes.
  std::optional<std::string> read_until(const char* delimiter,
                                        std::string& why) {
    for (;;) {
      if (auto end = buf_.find(delimiter); end != std::string::npos) {
        auto result = buf_.substr(0, end);
        buf_.erase(0, end + std::strlen(delimiter));
        return result;
      }
      if (buf_.size() > max_header_bytes) {
        why = "response header too long";
        return std::nullopt;
      }
      if (!fill(why))
        return std::nullopt;
    }
  }

  std::optional<std::string> read_header(std::string& why) {
    return read_until("\r\n\r\n", why);
  }

  bool read_exactly(size_t n, std::string& out, std::string& why) {
    while (buf_.size() < n)
      if (!fill(why))
        return false;
    out.append(buf_, 0, n);
    buf_.erase(0, n);
    return true;
  }

  bool read_chunked(std::string& out, std::string& why) {
    for (;;) {
      auto line = read_until("\r\n", why);
      if (!line)
        return false;
      auto n = std::strtoull(line->c_str(), nullptr, 16);
      if (out.size() + n > max_body_bytes) {
        why = "chunked response body too long";
        return false;
      }
      if (n == 0) // no trailers from the gateway: just the final CRLF
        return read_until("\r\n", why).has_value();
      std::string crlf;
      if (!read_exactly(n, out, why) || !read_exactly(2, crlf, why))
        return false;
    }
  }

  static bool parse_status(const std::string& header, int& status,
                           std::string& why) {
    // "HTTP/1.1 200 OK"
    if (header.compare(0, 5, "HTTP/") != 0 || header.size() < 12) {
      why = "not an HTTP response";
      return false;
    }
    status = std::atoi(header.c_str() + 9);
    return true;
  }

  static std::string lower(const std::string& x) {
    std::string out;
    for (unsigned char c : x)
      out += static_cast<char>(std::tolower(c));
    return out;
  }

  /// The value of header `name` (lower case), without blanks, lower-cased.
  static std::optional<std::string> header_value(const std::string& header,
                                                 const std::string& name) {
    for (auto pos = header.find("\r\n"); pos != std::string::npos;) {
      pos += 2;
      auto end = header.find("\r\n", pos);
      auto line
        = header.substr(pos, end == std::string::npos ? end : end - pos);
      pos = end;
      auto colon = line.find(':');
      if (colon == std::string::npos || lower(line.substr(0, colon)) != name)
        continue;
      std::string value;
      for (auto c : line.substr(colon + 1))
        if (c != ' ' && c != '\t')
          value += c;
      return lower(value);
    }
    return std::nullopt;
  }

  int fd_ = -1;
  std::string host_; // for the Host header
  std::string buf_;  // received, not yet consumed
};

// -- the load ----------------------------------------------------------------

/// What every client thread shares: read-only settings and counters.
struct phase_control {
  workload mix;
  uint64_t records = 0;
  std::string key_prefix;
  std::string value_b64;
  bool serializable = false;
  bool load = false;                   // put records 0..records-1
  clock_type::time_point measure_from; // earlier operations are warmup
  clock_type::time_point stop_at;      // no operation starts later
  std::atomic<uint64_t> tickets{0};    // load: records begun
};

/// One closed-loop client on its own connection.
class client {
public:
  client(phase_control& ctl, http_connection& conn, key_chooser keys,
         phase_results& out)
    : ctl_(ctl), conn_(conn), keys_(std::move(keys)), out_(out) {}

  void run() {
    while (conn_.is_open()) { // a closed connection ends this client
      uint64_t record;
      op_type op;
      if (ctl_.load) {
        record = ctl_.tickets++;
        if (record >= ctl_.records)
          return;
        op = op_type::insert;
      } else {
        record = keys_.next();
        op = ctl_.mix.choose(keys_.unit());
      }
      auto started = clock_type::now();
      if (!ctl_.load && started >= ctl_.stop_at)
        return;
      bool measured = started >= ctl_.measure_from;
      if (!execute(op, record, measured) || !measured)
        continue;
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        clock_type::now() - started);
      out_.latency[static_cast<size_t>(op)].record(
        static_cast<uint64_t>(us.count()));
    }
  }

private:
  /// Sends one request; false if it failed (counted when `measured`).
  bool execute(op_type op, uint64_t record, bool measured) {
    auto key
      = "\"key\":\"" + base64(ctl_.key_prefix + std::to_string(record)) + "\"";
    std::string why;
    std::optional<http_response> response;
    bool is_get = op == op_type::read;
    if (is_get)
      response = conn_.post(
        "/v3/kv/range",
        "{" + key + (ctl_.serializable ? ",\"serializable\":true}" : "}"), why);
    else
      response
        = conn_.post("/v3/kv/put",
                     "{" + key + ",\"value\":\"" + ctl_.value_b64 + "\"}", why);
    if (!response) {
      if (measured)
        error("http.io", why);
      return false;
    }
    if (response->status != 200) {
      if (measured)
        error("http." + std::to_string(response->status),
              response->body.substr(0, 200));
      return false;
    }
    // An empty range's JSON has no "kvs" (proto3 drops empty fields).
    if (is_get && measured
        && response->body.find("\"kvs\"") == std::string::npos)
      ++out_.not_found;
    return true;
  }

  void error(const std::string& kind, const std::string& message) {
    if (out_.errors[kind]++ == 0)
      out_.error_sample[kind] = message;
  }

  phase_control& ctl_;
  http_connection& conn_;
  key_chooser keys_;
  phase_results& out_;
};

phase_summary run_phase(phase_control& ctl, std::vector<http_connection>& conns,
                        const key_chooser& keys, uint64_t seed, double warmup,
                        double duration) {
  using std::chrono::duration_cast;
  auto seconds = [](double s) {
    return duration_cast<clock_type::duration>(
      std::chrono::duration<double>(s));
  };
  auto start = clock_type::now();
  ctl.measure_from = start + (ctl.load ? seconds(0) : seconds(warmup));
  ctl.stop_at = ctl.load ? clock_type::time_point::max()
                         : ctl.measure_from + seconds(duration);
  std::vector<phase_results> results(conns.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < conns.size(); ++i)
    threads.emplace_back([&, i] {
      client{ctl, conns[i], keys.with_seed(seed + i), results[i]}.run();
    });
  for (auto& t : threads)
    t.join();
  return summarize(ctl.load ? "load" : "run", ctl.measure_from, ctl.stop_at,
                   results, 0);
}

std::optional<workload> workload_of(const http_bench_config& cfg) {
  if (cfg.mode == "put")
    return workload_named("W");
  if (cfg.mode == "get")
    return workload_named("C");
  if (cfg.mode == "mixed" && cfg.read_fraction >= 0 && cfg.read_fraction <= 1)
    return workload{'M', cfg.read_fraction, 1 - cfg.read_fraction, 0,
                    "mixed gets and puts"};
  return std::nullopt;
}

int run(const http_bench_config& cfg) {
  auto fail = [](const std::string& what) {
    std::cerr << "http-kv-bench: " << what << std::endl;
    return 2;
  };
  auto mix = workload_of(cfg);
  auto endpoints = parse_endpoints(cfg.endpoints);
  if (!mix)
    return fail("--mode must be put, get or mixed (--read-fraction in 0..1)");
  if (cfg.distribution != "zipfian" && cfg.distribution != "uniform")
    return fail("--distribution must be zipfian or uniform");
  if (!endpoints)
    return fail("--endpoints must be host:port,... (got " + cfg.endpoints
                + ")");
  if (cfg.records == 0 || cfg.concurrency == 0)
    return fail("--records and --concurrency must be positive");
  if (cfg.duration < 0 || cfg.warmup < 0)
    return fail("--duration and --warmup must not be negative");
  // Every connection before any load: an unreachable member fails the run
  // at once rather than after a load.
  std::vector<http_connection> conns(cfg.concurrency);
  for (size_t i = 0; i < conns.size(); ++i) {
    auto& [host, port] = (*endpoints)[i % endpoints->size()];
    if (auto why = conns[i].open(host, port); !why.empty()) {
      std::cerr << "http-kv-bench: cannot connect to " << host << ":" << port
                << ": " << why << std::endl;
      return 1;
    }
  }
  phase_control ctl;
  ctl.mix = *mix;
  ctl.records = cfg.records;
  ctl.key_prefix = cfg.key_prefix;
  ctl.value_b64 = base64(std::string(cfg.value_bytes, 'x'));
  ctl.serializable = cfg.serializable;
  uint64_t seed = cfg.seed != 0 ? cfg.seed : std::random_device{}();
  auto dist = cfg.distribution == "uniform" ? distribution::uniform
                                            : distribution::zipfian;
  key_chooser keys{dist, cfg.records, seed};
  run_settings settings;
  settings.mix = *mix;
  settings.distribution = cfg.distribution;
  settings.records = cfg.records;
  settings.value_bytes = cfg.value_bytes;
  settings.concurrency = cfg.concurrency;
  settings.seed = seed;
  for (auto& [host, port] : *endpoints)
    settings.nodes.push_back(host + ":" + std::to_string(port));
  if (!cfg.json)
    std::printf("http-kv-bench: %s (%s reads), %s keys of %zu records, "
                "%zu-byte values, concurrency %zu, %zu endpoint(s)\n",
                cfg.mode.c_str(),
                cfg.serializable ? "serializable" : "linearizable",
                cfg.distribution.c_str(), cfg.records, cfg.value_bytes,
                cfg.concurrency, endpoints->size());
  std::vector<phase_summary> phases;
  if (cfg.load_records) {
    ctl.load = true;
    phases.push_back(run_phase(ctl, conns, keys, seed, 0, 0));
    ctl.load = false;
  }
  if (cfg.duration > 0)
    phases.push_back(
      run_phase(ctl, conns, keys, seed * 1000003, cfg.warmup, cfg.duration));
  if (cfg.json)
    print_json(stdout, settings, phases);
  else
    for (auto& p : phases)
      print_text(stdout, p);
  return 0; // errors are in the report, as with dkv-bench
}

} // namespace

int main(int argc, char** argv) {
  http_bench_config cfg;
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << "http-kv-bench: " << caf::actor_system_config::render(err)
              << std::endl;
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  return run(cfg);
}
