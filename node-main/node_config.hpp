#pragma once

// dkv-node's configuration: a CAF config file (INI in CAF 0.17) with a [dkv]
// section; every key can be overridden on the command line (--dkv.port=...).

#include <string>
#include <vector>

#include "caf/actor_system_config.hpp"
#include "caf/timespan.hpp"

#include "actors/node_settings.hpp"
#include "transport/guarded_multiplexer.hpp"
#include "transport/transport.hpp"

namespace dkv {

class node_config : public caf::actor_system_config {
public:
  node_config();

  /// Turns the parsed options into settings; on failure returns a one-line
  /// error naming the setting (unknown keys in [dkv] included).
  std::string to_settings(node_settings& out) const;

private:
  // Integers are read wide and range-checked by validate(), so that
  // "--dkv.port=70000" is an error naming dkv.port, not a silent wrap.
  std::string cluster_ = "dkv";
  std::string name_;
  std::string host_ = "127.0.0.1";
  int64_t port_ = 0;
  std::string data_dir_;
  std::vector<std::string> seeds_;
  int64_t partitions_ = 64;
  int64_t n_ = 3;
  int64_t r_ = 2;
  int64_t w_ = 2;
  caf::timespan request_timeout_ = std::chrono::seconds(2);
  caf::timespan connect_retry_ = std::chrono::seconds(1);
  double phi_threshold_ = 8.0;
  caf::timespan gossip_interval_ = std::chrono::seconds(1);
  bool anti_entropy_ = true;
  bool reap_tombstones_ = true;
  bool fault_injection_ = false;
  caf::timespan aae_interval_ = std::chrono::seconds(1);
  int64_t aae_concurrency_ = 1;
  int64_t transfer_concurrency_ = 2;
  int64_t transfer_rate_ = 32 * 1024 * 1024;
  std::string durability_ = "none";
  std::string log_level_ = "info";
  int64_t max_key_bytes_ = 1024;
  int64_t max_value_bytes_ = 1024 * 1024;
  int64_t max_clock_entries_ = default_max_clock_entries;
  int64_t max_siblings_ = storage::object_limits{}.max_siblings;
  int64_t cache_size_ = 64 * 1024 * 1024;
  int64_t record_cache_ = 32 * 1024 * 1024;
  int64_t max_requests_in_flight_ = 10000;
  int64_t peer_window_ = 1;
  int64_t peer_batch_ = 64;
  int64_t max_message_size_ = transport_limits::default_max_frame_bytes;
  int64_t max_connections_ = transport_limits::default_max_connections;
  bool tls_ = false;
};

} // namespace dkv
