// Strangers on a node's port: garbage bytes, a truncated frame, a client
// that connects and never speaks, one that drips bytes, a well-formed frame
// header announcing a 4 GiB payload, and more connections than the node
// allows. The node drops what it cannot parse or bound, stays up, stays
// small and keeps serving its clients.

#include "caf/test/unit_test.hpp"

#include "fixtures/process_cluster.hpp"
#include "fixtures/raw_socket.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>
#include <unistd.h>

using namespace dkv::test;

namespace {

struct fixture {
  process_cluster cluster{1,
                          {"--dkv.partitions=8", "--dkv.n=1", "--dkv.r=1",
                           "--dkv.w=1", "--dkv.log-level=warn",
                           "--dkv.max-connections=16"}};

  fixture() { CAF_REQUIRE(cluster.start_all()); }

  bool serving(const std::string& value) {
    return has(cluster.console(1, "put k " + value), "\"ok\":true")
           && has(cluster.console(1, "get k"), "\"" + value + "\"");
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(garbage_on_port_tests, fixture)

CAF_TEST(garbage is dropped and the node keeps serving) {
  auto port = cluster.port(1);
  // An HTTP probe (longer than a frame header) and a block of bytes no
  // frame starts with.
  for (auto bytes : {std::string{"GET / HTTP/1.1\r\nHost: dkv.example\r\n"
                                 "User-Agent: probe\r\n\r\n"},
                     std::string(64 * 1024, '\xff')})
    CAF_CHECK(closed_after_sending(port, bytes));
  CAF_CHECK(serving("after-garbage"));
  CAF_CHECK(cluster.running(1));
}

CAF_TEST(silent truncated and slow connections do not block others) {
  auto port = cluster.port(1);
  int idle = connect_loopback(port);
  int truncated = connect_loopback(port);
  int slow = connect_loopback(port);
  CAF_REQUIRE(idle >= 0 && truncated >= 0 && slow >= 0);
  // The first bytes of a client handshake header, then nothing more.
  send_all(truncated, std::string{"\x01\x00\x00", 3});
  std::atomic<bool> stop{false};
  std::thread dripping{[&] {
    while (!stop && send_all(slow, std::string{"\x00", 1}))
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }};
  for (int i = 0; i < 3; ++i)
    CAF_CHECK(serving("while-held-" + std::to_string(i)));
  stop = true;
  dripping.join();
  for (int fd : {idle, truncated, slow})
    ::close(fd);
  CAF_CHECK(serving("after-release"));
  CAF_CHECK(cluster.running(1));
}

CAF_TEST(a frame header announcing 4 GiB closes the connection) {
  for (int attempt = 0; attempt < 3; ++attempt)
    CAF_CHECK(closed_after_sending(cluster.port(1), huge_frame_header()));
  CAF_CHECK(serving("after-huge-header"));
  CAF_CHECK(cluster.running(1));
  // Before the guard the node zero-filled a 4 GiB buffer (or was killed).
  auto peak = cluster.peak_resident_bytes(1);
  CAF_MESSAGE("peak resident bytes: " << peak);
  CAF_CHECK_GREATER(peak, 0u);
  CAF_CHECK_LESS(peak, uint64_t{1} << 30);
  CAF_CHECK(has(cluster.log(1), "transport.frame_refused"));
}

CAF_TEST(connections beyond the limit are closed and the node recovers) {
  std::vector<int> held;
  for (int i = 0; i < 24; ++i) {
    int fd = connect_loopback(cluster.port(1));
    CAF_REQUIRE(fd >= 0);
    held.push_back(fd);
  }
  // The limit is 16 connections: the last ones are closed at once, the
  // first ones stay open.
  CAF_CHECK(closed_by_peer(held.back(), 10000));
  CAF_CHECK(!closed_by_peer(held.front(), 500));
  for (int fd : held)
    ::close(fd);
  CAF_CHECK(has(cluster.log(1), "transport.connection_refused"));
  // Closed sockets leave the count as the node notices them.
  for (int i = 0; i < 50 && !serving("after-flood"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CAF_CHECK(serving("after-flood"));
  CAF_CHECK(cluster.running(1));
}

CAF_TEST(transport settings out of range stop the node with a clear error) {
  cluster.kill(1);
  auto refused = [&](const std::string& arg, const std::string& error) {
    auto started = cluster.start_with(1, {arg}, 5000);
    if (started)
      cluster.kill(1);
    return !started && has(cluster.log(1), error);
  };
  CAF_CHECK(refused("--dkv.max-message-size=100",
                    "dkv.max-message-size: must be in"));
  CAF_CHECK(refused("--dkv.max-message-size=1048576",
                    "dkv.max-message-size: must exceed dkv.max-value-bytes"));
  CAF_CHECK(refused("--dkv.max-connections=0",
                    "dkv.max-connections: must be in"));
  CAF_CHECK(refused("--dkv.peer-window=-1", "dkv.peer-window: must be in"));
  CAF_CHECK(refused("--dkv.peer-batch=0", "dkv.peer-batch: must be in"));
  CAF_CHECK(refused("--openssl.cafile=no-such-ca.pem",
                    "openssl.certificate: missing"));
  CAF_CHECK(refused("--dkv.tls", "dkv.tls: true, but openssl.certificate"));
}

CAF_TEST_FIXTURE_SCOPE_END()
