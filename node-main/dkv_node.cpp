// dkv-node: one node of a dkv cluster.
//
//   dkv-node --config-file=config/node1.ini [--dkv.port=4101 ...]

#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/logging.hpp"
#include "actors/node.hpp"
#include "messages/type_registry.hpp"
#include "node-main/node_config.hpp"
#include "storage/storage_engine.hpp"

namespace dkv {

node_config::node_config() {
  register_types(*this);
  opt_group{custom_options_, "dkv"}
    .add(cluster_, "cluster", "cluster name; peers of another name are refused")
    .add(name_, "name", "this node's unique, stable name (e.g. node1)")
    .add(host_, "host", "address to listen on and announce to peers")
    .add(port_, "port", "TCP port of the node's published actor")
    .add(data_dir_, "data-dir", "directory of the node's Berkeley DB files")
    .add(seeds_, "seeds", "host:port of the cluster's members (bootstrap)")
    .add(partitions_, "partitions", "Q: partitions of the ring (power of 2)")
    .add(n_, "n", "replicas of each key")
    .add(r_, "r", "default read quorum")
    .add(w_, "w", "default write quorum")
    .add(request_timeout_, "request-timeout", "coordinator timeout (e.g. 2s)")
    .add(connect_retry_, "connect-retry", "interval of reconnect attempts")
    .add(gossip_interval_, "gossip-interval",
         "interval of gossip rounds with a random peer (e.g. 1s)")
    .add(anti_entropy_, "anti-entropy",
         "Merkle-tree anti-entropy between replicas (default true)")
    .add(reap_tombstones_, "reap-tombstones",
         "remove tombstones every replica holds (default true)")
    .add(fault_injection_, "fault-injection",
         "accept fault-injection requests (chaos tests only; default false)")
    .add(aae_interval_, "aae-interval",
         "one anti-entropy exchange starts per interval (e.g. 1s)")
    .add(aae_concurrency_, "aae-concurrency",
         "anti-entropy exchanges running at once (default 1)")
    .add(transfer_concurrency_, "transfer-concurrency",
         "partition transfers this node streams at once (default 2)")
    .add(transfer_rate_, "transfer-rate",
         "bytes per second all transfers may send; 0: no limit (32 MiB)")
    .add(phi_threshold_, "phi-threshold",
         "failure-detector suspicion that marks a peer down (default 8)")
    .add(durability_, "durability", "fsync policy: all, one or none")
    .add(log_level_, "log-level", "trace, debug, info, warn, error, off")
    .add(max_key_bytes_, "max-key-bytes", "largest key accepted")
    .add(max_value_bytes_, "max-value-bytes", "largest value accepted")
    .add(cache_size_, "cache-size",
         "bytes of Berkeley DB cache (default 64 MiB)")
    .add(record_cache_, "record-cache",
         "bytes of records kept for reads; 0: none (default 32 MiB)")
    .add(max_siblings_, "max-siblings",
         "siblings a client write may leave on a key; more: refused (100)")
    .add(max_clock_entries_, "max-clock-entries",
         "version-vector entries kept before pruning the oldest")
    .add(max_requests_in_flight_, "max-requests-in-flight",
         "client requests at once; beyond: overloaded (default 10000)")
    .add(peer_window_, "peer-window",
         "replica messages of a kind in flight per peer; 0: no batching (1)")
    .add(peer_batch_, "peer-batch",
         "most replica requests in one message to a peer (default 64)")
    .add(max_message_size_, "max-message-size",
         "largest frame read from a connection; larger closes it (64 MiB)")
    .add(max_connections_, "max-connections",
         "open TCP connections; more are closed when accepted (4096)")
    .add(tls_, "tls",
         "require mutual TLS (the openssl.* files); default: TLS when they "
         "are set");
}

std::string node_config::to_settings(node_settings& out) const {
  // CAF 0.17 accepts any key in a config file; a typo must not silently
  // fall back to a default.
  if (auto i = content.find("dkv"); i != content.end()) {
    if (auto section = caf::get_if<caf::settings>(&i->second)) {
      for (auto& kvp : *section) {
        auto key = std::string{kvp.first};
        auto opt = custom_options_.qualified_name_lookup("dkv." + key);
        if (opt == nullptr)
          return "dkv." + key + ": unknown setting";
        // CAF 0.17 skips a value of the wrong type and keeps the default.
        if (auto err = opt->check(kvp.second))
          return "dkv." + key + ": '" + caf::to_string(kvp.second)
                 + "' is not a valid "
                 + std::string(opt->type_name().begin(),
                               opt->type_name().end());
      }
    }
  }
  auto in_range
    = [](int64_t x, int64_t lo, int64_t hi) { return x >= lo && x <= hi; };
  if (!in_range(port_, 1, 65535))
    return "dkv.port: " + std::to_string(port_) + " must be 1..65535";
  if (!in_range(partitions_, 1, 1 << 30))
    return "dkv.partitions: " + std::to_string(partitions_) + " out of range";
  for (auto [x, name] : {std::pair{n_, "n"}, {r_, "r"}, {w_, "w"}})
    if (!in_range(x, 1, 1000))
      return std::string{"dkv."} + name + ": " + std::to_string(x)
             + " must be positive";
  if (!in_range(max_key_bytes_, 1, 1 << 30)
      || !in_range(max_value_bytes_, 1, int64_t{1} << 40)
      || !in_range(max_clock_entries_, 1, 1 << 20))
    return "dkv.max-*: limits must be positive";
  if (tls_ && !tls_requested(*this))
    return "dkv.tls: true, but openssl.certificate, openssl.key and "
           "openssl.cafile are not set";
  if (auto why = check_tls_files(*this); !why.empty())
    return why;
  out.cluster = cluster_;
  out.name = name_;
  out.host = host_;
  out.port = static_cast<uint16_t>(port_);
  out.data_dir = data_dir_;
  out.seeds = seeds_;
  out.partitions = static_cast<uint32_t>(partitions_);
  out.n = static_cast<uint32_t>(n_);
  out.r = static_cast<uint32_t>(r_);
  out.w = static_cast<uint32_t>(w_);
  out.request_timeout
    = std::chrono::duration_cast<std::chrono::milliseconds>(request_timeout_);
  out.connect_retry
    = std::chrono::duration_cast<std::chrono::milliseconds>(connect_retry_);
  if (!parse_sync_policy(durability_, out.durability))
    return "dkv.durability: '" + durability_ + "' must be all, one or none";
  out.log_level = log_level_;
  out.phi_threshold = phi_threshold_;
  out.gossip_interval
    = std::chrono::duration_cast<std::chrono::milliseconds>(gossip_interval_);
  out.anti_entropy = anti_entropy_;
  out.reap_tombstones = reap_tombstones_;
  out.fault_injection = fault_injection_;
  out.aae_interval
    = std::chrono::duration_cast<std::chrono::milliseconds>(aae_interval_);
  if (!in_range(aae_concurrency_, 1, 64))
    return "dkv.aae-concurrency: must be in 1..64";
  out.aae_concurrency = static_cast<uint32_t>(aae_concurrency_);
  if (!in_range(transfer_concurrency_, 1, 64))
    return "dkv.transfer-concurrency: must be in 1..64";
  out.transfer_concurrency = static_cast<uint32_t>(transfer_concurrency_);
  if (transfer_rate_ < 0)
    return "dkv.transfer-rate: must be 0 (no limit) or a positive number of "
           "bytes per second";
  out.transfer_rate = static_cast<uint64_t>(transfer_rate_);
  out.limits.max_key_bytes = static_cast<size_t>(max_key_bytes_);
  out.limits.max_value_bytes = static_cast<size_t>(max_value_bytes_);
  out.max_clock_entries = static_cast<size_t>(max_clock_entries_);
  if (!in_range(cache_size_, 1 << 20, int64_t{1} << 40))
    return "dkv.cache-size: must be in 1048576..1099511627776 bytes";
  out.cache_bytes = static_cast<uint64_t>(cache_size_);
  if (!in_range(record_cache_, 0, int64_t{1} << 40))
    return "dkv.record-cache: must be in 0..1099511627776 bytes";
  out.record_cache_bytes = static_cast<uint64_t>(record_cache_);
  if (!in_range(max_siblings_, 1, 100000))
    return "dkv.max-siblings: must be in 1..100000";
  out.limits.max_siblings = static_cast<size_t>(max_siblings_);
  if (!in_range(max_requests_in_flight_, 1, 1000000))
    return "dkv.max-requests-in-flight: must be in 1..1000000";
  out.max_requests_in_flight = static_cast<size_t>(max_requests_in_flight_);
  if (!in_range(peer_window_, 0, 1024))
    return "dkv.peer-window: must be in 0..1024 (0: no batching)";
  out.peer_window = static_cast<size_t>(peer_window_);
  if (!in_range(peer_batch_, 1, 4096))
    return "dkv.peer-batch: must be in 1..4096";
  out.peer_batch = static_cast<size_t>(peer_batch_);
  // The transport reads these itself (guarded_multiplexer); checked here so
  // a bad value stops start-up instead of falling back to the default.
  if (!in_range(max_message_size_, 4096, int64_t{1} << 32))
    return "dkv.max-message-size: must be in 4096..4294967296 bytes";
  if (max_message_size_ < max_value_bytes_ + 65536)
    return "dkv.max-message-size: must exceed dkv.max-value-bytes by at "
           "least 64 KiB (a message carries a whole value)";
  if (!in_range(max_connections_, 8, 1000000))
    return "dkv.max-connections: must be in 8..1000000";
  return validate(out);
}

} // namespace dkv

namespace {

/// SIGINT and SIGTERM, blocked in every thread (main() blocks them before
/// CAF starts its threads) and awaited by caf_main for a clean stop.
const sigset_t& stop_signals() {
  static sigset_t result = [] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
  }();
  return result;
}

/// CAF 0.17 silently ignores a config file it cannot read; a node must not
/// start on defaults because of a typo in a path.
bool config_file_readable(int argc, char** argv) {
  const std::string flag = "--config-file=";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.compare(0, flag.size(), flag) != 0)
      continue;
    auto path = arg.substr(flag.size());
    if (FILE* f = std::fopen(path.c_str(), "r")) {
      std::fclose(f);
      continue;
    }
    std::cerr << "dkv-node: configuration error: cannot read config file '"
              << path << "'" << std::endl;
    return false;
  }
  return true;
}

void close_storage(std::shared_ptr<dkv::node_storage> storage,
                   const std::shared_ptr<spdlog::logger>& log);

int run(caf::actor_system& sys, const dkv::node_settings& settings) {
  dkv::init_logging(settings.name, settings.log_level);
  auto log = dkv::logger("node");
  // Every later storage call would fail until a reopen with recovery: stop
  // at once (committed writes are in the log) and let the restart recover.
  dkv::storage::set_environment_panic_handler(
    [log](const std::string& message) {
      log->critical("storage.panic error=\"{}\" action=\"exit 3; the "
                    "restart runs recovery\"",
                    message);
      log->flush();
      std::_Exit(3);
    });
  auto node = dkv::start_node(sys, settings);
  if (!node) {
    log->critical("node.start_failed error=\"{}\"", sys.render(node.error()));
    std::cerr << "dkv-node: " << sys.render(node.error()) << std::endl;
    return 1;
  }
  log->info("node.start name={} address={} data={} partitions={} n={} r={} "
            "w={} durability={} incarnation={:016x}",
            settings.name, settings.address(), settings.data_dir,
            settings.partitions, settings.n, settings.r, settings.w,
            dkv::to_string(settings.durability), node->incarnation);
  if (dkv::tls_enabled(sys))
    log->info("transport.tls: mutual TLS; peers must present a certificate "
              "of the cluster CA");
  else
    log->warn("transport.insecure: plain TCP without authentication; expose "
              "this port only on a trusted network");
  // A signal stops the node; so does the supervisor giving up (escalation).
  auto supervisor = node->supervisor;
  std::thread signal_waiter{[supervisor, log] {
    int received = 0;
    sigwait(&stop_signals(), &received);
    log->info("node.stop signal={}", received);
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  }};
  signal_waiter.detach();
  caf::scoped_actor self{sys};
  self->monitor(supervisor);
  int exit_code = 0;
  self->receive([&](caf::down_msg& msg) {
    if (msg.reason != caf::exit_reason::user_shutdown) {
      log->critical("node.abort reason=\"{}\"", sys.render(msg.reason));
      exit_code = 1;
    }
  });
  log->info("node.stopped");
  if (exit_code != 0)
    std::_Exit(exit_code);
  close_storage(std::move(node->storage), log);
  return 0;
}

using std::chrono::steady_clock;

long long ms_since(steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           steady_clock::now() - start)
    .count();
}

/// Waits for the node's actors to release its storage as they end, then
/// closes it (a final checkpoint), logging how long each step took: a stop
/// that takes long shows where it waited. After `patience` the storage is
/// left to close with its last holder, as CAF's shutdown ends it.
void close_storage(std::shared_ptr<dkv::node_storage> storage,
                   const std::shared_ptr<spdlog::logger>& log) {
  constexpr auto patience = std::chrono::seconds(5);
  auto start = steady_clock::now();
  while (storage.use_count() > 1) {
    if (steady_clock::now() - start >= patience) {
      log->warn("node.stop_slow waiting_for=\"actors holding the storage\" "
                "holders={} ms={} action=\"closes with the last of them\"",
                storage.use_count() - 1, ms_since(start));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  log->info("node.actors_stopped ms={}", ms_since(start));
  auto closing = steady_clock::now();
  storage.reset();
  log->info("storage.closed ms={}", ms_since(closing));
}

} // namespace

int main(int argc, char** argv) {
  if (!config_file_readable(argc, argv))
    return 2;
  pthread_sigmask(SIG_BLOCK, &stop_signals(), nullptr);
  dkv::node_config cfg;
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << "dkv-node: configuration error: "
              << caf::actor_system_config::render(err) << std::endl;
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  dkv::node_settings settings;
  if (auto why = cfg.to_settings(settings); !why.empty()) {
    std::cerr << "dkv-node: configuration error: " << why << std::endl;
    return 2;
  }
  // After parsing: the transport's modules depend on the settings.
  dkv::load_transport(cfg);
  int exit_code = 0;
  {
    caf::actor_system sys{cfg};
    exit_code = run(sys, settings);
  }
  // What is left after the storage closed: CAF's own shutdown (its network
  // and scheduler threads).
  dkv::logger("node")->info("node.exit code={}", exit_code);
  return exit_code;
}
