#pragma once

// CAF 0.17's BASP broker trusts the length field of every frame header: one
// unauthenticated 32-byte header announcing a ~4 GiB payload makes the node
// allocate 4 GiB before any handshake. This network backend is CAF's default
// multiplexer with a guard on every TCP connection: a read larger than
// `max_frame_bytes` closes the connection instead, and connections beyond
// `max_connections` are closed as soon as they are accepted.
//
// load_transport() (transport.hpp) loads it in place of the default one.
// TLS connections (CAF's openssl module) make their own sockets and are not
// guarded here; their peers have proven a certificate of the cluster CA
// before they can send a frame.
// Limits come from the config (`dkv.max-message-size`,
// `dkv.max-connections`), with the defaults below.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "caf/io/network/default_multiplexer.hpp"

namespace dkv {

struct transport_limits {
  static constexpr uint64_t default_max_frame_bytes = 64ull * 1024 * 1024;
  static constexpr uint64_t default_max_connections = 4096;

  uint64_t max_frame_bytes = default_max_frame_bytes;
  uint64_t max_connections = default_max_connections;
};

/// Counters shared by all connections of one backend.
struct transport_counters {
  std::atomic<uint64_t> open_connections{0};
  std::atomic<uint64_t> refused_frames{0};
  std::atomic<uint64_t> refused_connections{0};
};

class guarded_multiplexer : public caf::io::network::default_multiplexer {
public:
  explicit guarded_multiplexer(caf::actor_system* sys);

  caf::io::scribe_ptr new_scribe(caf::io::network::native_socket fd) override;

  const transport_limits& limits() const noexcept {
    return limits_;
  }

  const transport_counters& counters() const noexcept {
    return *counters_;
  }

private:
  transport_limits limits_;
  // Shared with the connections, which may outlive a stopping backend.
  std::shared_ptr<transport_counters> counters_;
};

} // namespace dkv
