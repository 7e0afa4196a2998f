#include "actors/detail/read_gate.hpp"

#include "caf/test/unit_test.hpp"

using namespace dkv::detail;
using namespace std::chrono_literals;

namespace {

const auto t0 = read_gate::time_point{} + 1h;

} // namespace

CAF_TEST(every partition starts closed) {
  read_gate gate{4};
  for (uint32_t p = 0; p < 4; ++p)
    CAF_CHECK(!gate.passes(p, t0));
}

CAF_TEST(a partition passes only while open) {
  read_gate gate{4};
  gate.set_open(2, true);
  CAF_CHECK(gate.passes(2, t0));
  CAF_CHECK(!gate.passes(1, t0));
  gate.set_open(2, false);
  CAF_CHECK(!gate.passes(2, t0));
}

CAF_TEST(partitions out of range never pass) {
  read_gate gate{4};
  gate.set_open(4, true);
  CAF_CHECK(!gate.passes(4, t0));
  CAF_CHECK(!gate.passes(UINT32_MAX, t0));
}

CAF_TEST(a cut off node lets nothing pass until the cut ends) {
  read_gate gate{4};
  gate.set_open(0, true);
  gate.close_until(t0 + 5s);
  CAF_CHECK(!gate.passes(0, t0));
  CAF_CHECK(!gate.passes(0, t0 + 4s));
  CAF_CHECK(gate.passes(0, t0 + 5s));
  gate.close_until(t0 - 1s); // the cut lifted early
  CAF_CHECK(gate.passes(0, t0));
}
