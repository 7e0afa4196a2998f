#include "actors/detail/put_quorum.hpp"

#include "caf/test/unit_test.hpp"

using dkv::detail::put_quorum;

CAF_TEST(w acks are enough) {
  put_quorum q{{"a", "b", "c"}, 2};
  CAF_CHECK(!q.enough());
  q.ack("a");
  CAF_CHECK(!q.enough());
  q.ack("b");
  CAF_CHECK(q.enough());
  CAF_CHECK(!q.complete());
  q.fail("c");
  CAF_CHECK(q.complete());
}

CAF_TEST(duplicate and unknown acks do not count) {
  put_quorum q{{"a", "b", "c"}, 2};
  q.ack("a");
  q.ack("a");
  q.ack("z");
  CAF_CHECK_EQUAL(q.acks(), 1u);
  CAF_CHECK(!q.enough());
  // A replica that acked cannot fail afterwards.
  q.fail("a");
  CAF_CHECK_EQUAL(q.failures(), 0u);
}

CAF_TEST(failures make the quorum impossible as soon as it is) {
  put_quorum q{{"a", "b", "c"}, 2};
  q.ack("a");
  q.fail("b");
  CAF_CHECK(!q.impossible());
  q.fail("c");
  CAF_CHECK(q.impossible());
  CAF_CHECK(!q.enough());
}

CAF_TEST(w equal to n needs every replica) {
  put_quorum q{{"a", "b", "c"}, 3};
  q.ack("a");
  q.ack("b");
  CAF_CHECK(!q.enough());
  q.fail("c");
  CAF_CHECK(q.impossible());
}
