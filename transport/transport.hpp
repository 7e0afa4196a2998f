#pragma once

// How dkv's processes reach each other: plain TCP (CAF's BASP on the
// guarded backend), or mutual TLS through CAF's openssl module when the
// config names a certificate, its key and the cluster CA:
//   [openssl]
//   certificate="certs/node1.pem"
//   key="certs/node1-key.pem"
//   cafile="certs/ca.pem"
// Both sides then verify the other's certificate against the CA; a peer
// without one is refused during the handshake.

#include <cstdint>
#include <optional>
#include <string>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/expected.hpp"
#include "caf/io/all.hpp"
#include "caf/openssl/all.hpp"

namespace dkv {

/// True if any openssl.* file is configured (then all must be).
bool tls_requested(const caf::actor_system_config& cfg);

/// Checks the openssl.* settings after parsing: all three files set and
/// readable, or none. Returns a one-line error, or "" if they are usable.
std::string check_tls_files(const caf::actor_system_config& cfg);

/// Loads the middleman on the guarded backend, and the openssl module when
/// TLS is requested. Call after parsing and check_tls_files().
void load_transport(caf::actor_system_config& cfg);

/// For a client's main(): parses the command line (and config file),
/// checks the TLS files and loads the transport. Returns the exit code to
/// end with (0 after --help; 2 after printing "`program`: error"), or
/// nothing when the actor system may start.
std::optional<int> configure_client(caf::actor_system_config& cfg, int argc,
                                    char** argv, const char* program);

/// True if this system talks TLS.
bool tls_enabled(const caf::actor_system& sys);

/// The middleman actor of this system's transport (connect, publish).
caf::io::middleman_actor transport_actor(caf::actor_system& sys);

/// Publishes `whom` at `port` (0 picks one) on address `in` (nullptr: all)
/// on this system's transport.
template <class Handle>
caf::expected<uint16_t>
publish_on_transport(caf::actor_system& sys, const Handle& whom, uint16_t port,
                     const char* in = nullptr, bool reuse_address = false) {
  if (tls_enabled(sys))
    return caf::openssl::publish(whom, port, in, reuse_address);
  return sys.middleman().publish(whom, port, in, reuse_address);
}

/// The actor published at `host`:`port`, reached over this system's
/// transport (blocks until connected or refused).
template <class Handle>
caf::expected<Handle> remote_on_transport(caf::actor_system& sys,
                                          const std::string& host,
                                          uint16_t port) {
  if (tls_enabled(sys))
    return caf::openssl::remote_actor<Handle>(sys, host, port);
  return sys.middleman().remote_actor<Handle>(host, port);
}

} // namespace dkv
