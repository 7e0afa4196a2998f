// Mutual TLS: a cluster whose nodes present certificates of one CA forms,
// serves clients that present one too, stays connected while clients come
// and go, and refuses a stranger's certificate, a plain client and a huge
// frame header quickly, without losing its other connections.

#include "caf/test/unit_test.hpp"

#include "fixtures/process_cluster.hpp"
#include "fixtures/raw_socket.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

using namespace dkv::test;

namespace {

/// A fresh directory with a cluster CA, certificates "node" and "client",
/// and a stranger's ("rogue") made by another CA.
std::string make_certs() {
  char tmpl[] = "/tmp/dkv-certs-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  auto script = std::string{DKV_SOURCE_DIR} + "/scripts/make-certs " + dir;
  auto ok = std::system((script + " node client >/dev/null").c_str()) == 0
            && std::system((script + " --rogue >/dev/null").c_str()) == 0;
  CAF_REQUIRE(ok);
  return dir;
}

std::vector<std::string> tls_args(const std::string& dir,
                                  const std::string& name,
                                  const std::string& ca = "ca") {
  return {"--openssl.certificate=" + dir + "/" + name + ".pem",
          "--openssl.key=" + dir + "/" + name + "-key.pem",
          "--openssl.cafile=" + dir + "/" + ca + ".pem"};
}

std::vector<std::string> node_args(const std::string& dir) {
  auto args = tls_args(dir, "node");
  for (auto arg : {"--dkv.partitions=8", "--dkv.log-level=info", "--dkv.tls"})
    args.emplace_back(arg);
  return args;
}

struct fixture {
  std::string certs = make_certs();
  process_cluster cluster{3, node_args(certs)};

  fixture() {
    cluster.console_args = tls_args(certs, "client");
    CAF_REQUIRE(cluster.start_all());
  }

  ~fixture() {
    std::error_code ec;
    std::filesystem::remove_all(certs, ec);
  }

  /// Runs `command` on node `i` as a client with other options; returns
  /// its output and how long it took.
  std::pair<std::string, std::chrono::milliseconds>
  timed_console(size_t i, const std::vector<std::string>& args,
                const std::string& command) {
    auto saved = cluster.console_args;
    cluster.console_args = args;
    auto start = std::chrono::steady_clock::now();
    auto out = cluster.console(i, command);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
    cluster.console_args = saved;
    return {out, took};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(tls_tests, fixture)

CAF_TEST(a TLS cluster serves clients and keeps its links as they come and go) {
  for (size_t i = 1; i <= 3; ++i)
    CAF_CHECK(has(cluster.log(i), "transport.tls"));
  CAF_CHECK(ok(cluster.console(1, "put tls-key secret-value")));
  // Every client exits abruptly after its command; before the fix of
  // OpenSSL's error queue, each exit dropped the node's other TLS links.
  for (int round = 0; round < 3; ++round)
    for (size_t i = 1; i <= 3; ++i)
      CAF_CHECK(has(cluster.console(i, "get tls-key"), "secret-value"));
  for (size_t i = 1; i <= 3; ++i)
    CAF_CHECK(!has(cluster.log(i), "peer.down"));
}

CAF_TEST(a stranger and a plain client are refused quickly) {
  auto [rogue, rogue_took] = timed_console(2, tls_args(certs, "rogue"),
                                           "get tls-key");
  CAF_CHECK(has(rogue, "TLS refused"));
  CAF_CHECK_LESS(rogue_took.count(), 5000);
  auto [plain, plain_took] = timed_console(2, {}, "get tls-key");
  CAF_CHECK(has(plain, "does the node require TLS"));
  CAF_CHECK_LESS(plain_took.count(), 5000);
  // A client trusting another CA refuses the node, too.
  auto [distrust, distrust_took]
    = timed_console(2, tls_args(certs, "client", "rogue-ca"), "get tls-key");
  CAF_CHECK(has(distrust, "TLS refused"));
  CAF_CHECK_LESS(distrust_took.count(), 5000);
  CAF_CHECK(ok(cluster.console(2, "put after-strangers 1")));
  // The node says why it refused them.
  CAF_CHECK(has(cluster.log(2), "transport.tls_refused"));
  auto log = cluster.log(2);
  if (auto at = log.find("tls_refused"); at != std::string::npos)
    CAF_MESSAGE(log.substr(at, 200));
  for (size_t i = 1; i <= 3; ++i)
    CAF_CHECK(!has(cluster.log(i), "peer.down"));
}

CAF_TEST(a huge frame header on a TLS port is refused before any frame) {
  CAF_CHECK(closed_after_sending(cluster.port(1), huge_frame_header()));
  CAF_CHECK(ok(cluster.console(1, "put after-header 1")));
  CAF_CHECK_LESS(cluster.peak_resident_bytes(1), uint64_t{1} << 30);
}

CAF_TEST(a node with an unreadable key or CA does not start) {
  cluster.kill(3);
  CAF_CHECK(!cluster.start_with(3, {"--openssl.key=" + certs + "/missing.pem"},
                                5000));
  CAF_CHECK(has(cluster.log(3), "openssl.key: cannot read"));
  CAF_CHECK(!cluster.start_with(
    3, {"--openssl.cafile=" + certs + "/no-such-ca.pem"}, 5000));
  CAF_CHECK(has(cluster.log(3), "openssl.cafile: cannot read"));
}

CAF_TEST_FIXTURE_SCOPE_END()
