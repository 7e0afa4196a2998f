#include "transport/transport.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <cstdio>
#include <dlfcn.h>
#include <iostream>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "actors/logging.hpp"
#include "transport/guarded_multiplexer.hpp"

namespace dkv {

namespace {

struct tls_file {
  const char* key;
  const std::string& path;
};

} // namespace

bool tls_requested(const caf::actor_system_config& cfg) {
  return !cfg.openssl_certificate.empty() || !cfg.openssl_key.empty()
         || !cfg.openssl_cafile.empty() || !cfg.openssl_capath.empty();
}

std::string check_tls_files(const caf::actor_system_config& cfg) {
  if (!tls_requested(cfg))
    return {};
  if (!cfg.openssl_capath.empty())
    return "openssl.capath: not supported; name the cluster CA with "
           "openssl.cafile";
  // CAF would fall back to anonymous TLS without them, or fail on the
  // first connection instead of at start.
  for (auto file : {tls_file{"openssl.certificate", cfg.openssl_certificate},
                    tls_file{"openssl.key", cfg.openssl_key},
                    tls_file{"openssl.cafile", cfg.openssl_cafile}}) {
    if (file.path.empty())
      return std::string{file.key}
             + ": missing (TLS needs openssl.certificate, openssl.key and "
               "openssl.cafile)";
    if (FILE* f = std::fopen(file.path.c_str(), "r"))
      std::fclose(f);
    else
      return std::string{file.key} + ": cannot read '" + file.path + "'";
  }
  return {};
}

void load_transport(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman, guarded_multiplexer>();
  if (tls_requested(cfg))
    cfg.load<caf::openssl::manager>();
}

std::optional<int> configure_client(caf::actor_system_config& cfg, int argc,
                                    char** argv, const char* program) {
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << program << ": " << caf::actor_system_config::render(err)
              << std::endl;
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  if (auto why = check_tls_files(cfg); !why.empty()) {
    std::cerr << program << ": " << why << std::endl;
    return 2;
  }
  load_transport(cfg);
  return std::nullopt;
}

bool tls_enabled(const caf::actor_system& sys) {
  return sys.has_openssl_manager();
}

caf::io::middleman_actor transport_actor(caf::actor_system& sys) {
  if (tls_enabled(sys))
    return sys.openssl_manager().actor_handle();
  return sys.middleman().actor_handle();
}

namespace {

/// Logs a TLS handshake that failed (see SSL_get_error below).
void log_refused_handshake(const SSL* ssl) {
  // A peer that hangs up during the handshake (a port probe, a client that
  // gave up) is not a refusal; a bad certificate or a plain client is.
  auto code = ERR_peek_error();
  if (code == 0 || ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
    return;
  static std::atomic<uint64_t> refused{0};
  auto total = ++refused;
  if (total > 8 && (total & (total - 1)) != 0)
    return;
  char reason[256];
  ERR_error_string_n(code, reason, sizeof(reason));
  std::string peer = "unknown";
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  auto fd = SSL_get_fd(ssl);
  if (fd >= 0
      && ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0
      && addr.ss_family == AF_INET) {
    auto in = reinterpret_cast<const sockaddr_in*>(&addr);
    char ip[INET_ADDRSTRLEN] = "";
    ::inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
    peer = std::string{ip} + ":" + std::to_string(ntohs(in->sin_port));
  }
  logger("transport")
    ->warn("transport.tls_refused peer={} reason=\"{}\" total={}", peer,
           reason, total);
}

} // namespace

} // namespace dkv

// CAF 0.17.6's TLS sessions leave OpenSSL's per-thread error queue filled
// after a connection fails (they drain it only in log statements, which
// Debian's build compiles out). The next SSL_get_error() on any other
// connection of the multiplexer thread then reports that stale error and
// CAF closes a healthy connection: one client exiting, or one redundant
// connection closing, dropped every TLS link of a node (measured, with a
// three-system reproduction). This definition takes the place of
// OpenSSL's for the whole process, answers as it does, and empties the
// queue once a connection has failed. CAF closes a refused handshake
// silently; the refusal is logged here (the first ones, then at powers of
// two: strangers must not fill the disk).
extern "C" int SSL_get_error(const SSL* ssl, int ret) {
  using get_error_fn = int (*)(const SSL*, int);
  static auto openssl_get_error
    = reinterpret_cast<get_error_fn>(dlsym(RTLD_NEXT, "SSL_get_error"));
  auto result = openssl_get_error(ssl, ret);
  if (result == SSL_ERROR_SSL || result == SSL_ERROR_SYSCALL) {
    if (ssl != nullptr && !SSL_is_init_finished(ssl))
      dkv::log_refused_handshake(ssl);
    ERR_clear_error();
  }
  return result;
}
