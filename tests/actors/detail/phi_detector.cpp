#include "actors/detail/phi_detector.hpp"

#include "caf/test/unit_test.hpp"

using dkv::detail::phi_detector;
using namespace std::chrono;

namespace {

auto t0 = steady_clock::time_point{} + hours(1);

phi_detector regular(int beats, milliseconds every) {
  phi_detector d;
  for (int i = 0; i < beats; ++i)
    d.heartbeat(t0 + every * i);
  return d;
}

} // namespace

CAF_TEST(no suspicion before any history) {
  phi_detector d;
  CAF_CHECK_EQUAL(d.phi(t0), 0.0);
  d.heartbeat(t0);
  CAF_CHECK_EQUAL(d.phi(t0 + seconds(100)), 0.0);
  CAF_CHECK(d.heard());
}

CAF_TEST(a prior suspects a peer silent right after the first heartbeat) {
  phi_detector d{100, 100.0, 1000.0};
  d.heartbeat(t0);
  CAF_CHECK_LESS(d.phi(t0 + milliseconds(1000)), 1.0);
  CAF_CHECK_GREATER(d.phi(t0 + seconds(5)), 8.0);
}

CAF_TEST(regular heartbeats keep phi low) {
  auto d = regular(20, milliseconds(1000));
  auto last = t0 + milliseconds(1000) * 19;
  CAF_CHECK_LESS(d.phi(last + milliseconds(500)), 1.0);
  CAF_CHECK_LESS(d.phi(last + milliseconds(1000)), 1.0);
  CAF_CHECK_LESS(d.phi(last + milliseconds(1200)), 3.0);
  CAF_CHECK_EQUAL(d.mean_ms(), 1000.0);
}

CAF_TEST(silence raises phi past the threshold and a heartbeat clears it) {
  auto d = regular(20, milliseconds(1000));
  auto last = t0 + milliseconds(1000) * 19;
  // mean 1000 ms, stddev floor 100 ms: phi 8 at about 1560 ms.
  CAF_CHECK_LESS(d.phi(last + milliseconds(1400)), 8.0);
  CAF_CHECK_GREATER(d.phi(last + milliseconds(1700)), 8.0);
  CAF_CHECK_GREATER(d.phi(last + seconds(60)), 8.0);
  // phi grows monotonically with silence.
  double prev = 0;
  for (int ms = 1000; ms < 3000; ms += 50) {
    auto x = d.phi(last + milliseconds(ms));
    CAF_CHECK_GREATER_OR_EQUAL(x, prev);
    prev = x;
  }
  d.heartbeat(last + seconds(60));
  CAF_CHECK_LESS(d.phi(last + seconds(60) + milliseconds(100)), 1.0);
}

CAF_TEST(a long pause does not slow down the next detection) {
  auto d = regular(20, milliseconds(1000));
  auto last = t0 + milliseconds(1000) * 19;
  d.heartbeat(last + seconds(30)); // back after a 30 s freeze
  auto after = last + seconds(30);
  CAF_CHECK_EQUAL(d.mean_ms(), 1000.0);
  CAF_CHECK_GREATER(d.phi(after + milliseconds(1700)), 8.0);
}

CAF_TEST(jittery peers get more slack) {
  phi_detector steady;
  phi_detector jittery;
  auto t = t0;
  auto u = t0;
  for (int i = 0; i < 50; ++i) {
    steady.heartbeat(t);
    jittery.heartbeat(u);
    if (i < 49) {
      t += milliseconds(1000);
      u += milliseconds(i % 2 == 0 ? 400 : 1600);
    }
  }
  // Same mean (1000 ms); the jittery peer's deviation is 600 ms.
  auto probe = milliseconds(2200);
  CAF_CHECK_GREATER(steady.phi(t + probe), jittery.phi(u + probe));
}
