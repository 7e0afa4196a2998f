#pragma once

// Everything a node is configured with (the [dkv] section of its config
// file), validated in one place so a wrong value stops start-up with a
// one-line error naming the setting.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/object_store.hpp"
#include "storage/storage_engine.hpp"

namespace dkv {

/// Which replicas sync a write to disk before acknowledging (paper §6.1).
enum class sync_policy : uint8_t {
  all,  // every replica fsyncs: survives power loss of every node
  one,  // only the coordinator's local write fsyncs ("durable writer")
  none, // no fsync; commits still survive kill -9 (DB_TXN_WRITE_NOSYNC)
};

const char* to_string(sync_policy x);
bool parse_sync_policy(const std::string& text, sync_policy& out);

struct node_settings {
  std::string cluster = "dkv";
  std::string name;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string data_dir;
  /// host:port of bootstrap contacts. A new node learns the cluster from
  /// them by gossip; the first nodes of a new cluster form its ring from
  /// their seed lists (give them all the same list).
  std::vector<std::string> seeds;
  uint32_t partitions = 64; // Q
  uint32_t n = 3;
  uint32_t r = 2;
  uint32_t w = 2;
  std::chrono::milliseconds request_timeout{2000};
  std::chrono::milliseconds connect_retry{1000};
  /// Phi-accrual suspicion past which a connected peer counts as down
  /// (actors/detail/phi_detector.hpp); heartbeats go every connect_retry.
  double phi_threshold = 8.0;
  /// Interval of gossip rounds (paper §4.8): one exchange with a random peer.
  std::chrono::milliseconds gossip_interval{1000};
  /// Merkle-tree anti-entropy (paper §4.7): one exchange of one partition
  /// with one peer replica starts every aae_interval, at most
  /// aae_concurrency at a time, so it cannot starve foreground requests.
  bool anti_entropy = true;
  std::chrono::milliseconds aae_interval{1000};
  uint32_t aae_concurrency = 1;
  /// Tombstone reaping (actors/tombstone_reaper.hpp): without it a deleted
  /// key's tombstone stays on every replica for good.
  bool reap_tombstones = true;
  /// Accept fault-injection requests (isolate_request_v1) from clients: for
  /// chaos tests only, never on a production cluster.
  bool fault_injection = false;
  /// Partition transfers (actors/transfer_manager.hpp) this node streams at
  /// once, and the bytes per second all of them together may send (0: no
  /// limit), so a join or leave cannot starve foreground requests.
  uint32_t transfer_concurrency = 2;
  uint64_t transfer_rate = 32 * 1024 * 1024;
  sync_policy durability = sync_policy::none;
  std::string log_level = "info";
  storage::object_limits limits;
  /// Berkeley DB's cache (dkv.cache-size).
  uint64_t cache_bytes = 64 * 1024 * 1024;
  /// Records kept for reads in front of Berkeley DB (dkv.record-cache,
  /// storage/record_cache.hpp; 0: none).
  uint64_t record_cache_bytes = 32 * 1024 * 1024;
  size_t max_clock_entries = default_max_clock_entries;
  /// Client requests this node coordinates or forwards at once; beyond it
  /// a request is refused with `overloaded` at once instead of queueing
  /// without bound.
  size_t max_requests_in_flight = 10000;
  /// Messages of each kind (reads, merges) this node's coordinators have
  /// in flight to one peer (actors/peer_outbox.hpp); the requests queued
  /// behind them leave together, at most peer_batch per message. 0: every
  /// request in its own message.
  size_t peer_window = 1;
  size_t peer_batch = 64;

  std::string address() const { return host + ":" + std::to_string(port); }
};

/// Returns an empty string if `s` is valid, otherwise a one-line error that
/// names the offending setting, e.g. "dkv.r: 4 exceeds dkv.n (3)".
std::string validate(const node_settings& s);

/// Splits "host:port"; false for anything else (missing port, port 0 or
/// > 65535, empty host).
bool parse_address(const std::string& text, std::string& host, uint16_t& port);

} // namespace dkv
