// Strangers on a node's port: garbage bytes, a truncated frame, a client
// that connects and never speaks, and one that drips bytes. The node drops
// what it cannot parse, stays up and keeps serving its clients.
// (A well-formed header announcing a huge payload is issue "Security": it
// needs the TLS guard and is not tested here yet.)

#include "caf/test/unit_test.hpp"

#include "fixtures/process_cluster.hpp"
#include "fixtures/raw_socket.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <unistd.h>

using namespace dkv::test;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct fixture {
  process_cluster cluster{1,
                          {"--dkv.partitions=8", "--dkv.n=1", "--dkv.r=1",
                           "--dkv.w=1", "--dkv.log-level=warn"}};

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
                     std::string(64 * 1024, '\xff')}) {
    int fd = connect_loopback(port);
    CAF_REQUIRE(fd >= 0);
    send_all(fd, bytes);
    CAF_CHECK(closed_by_peer(fd, 10000));
    ::close(fd);
  }
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

CAF_TEST_FIXTURE_SCOPE_END()
