#include "actors/detail/clock_epochs.hpp"

#include "caf/test/unit_test.hpp"

using namespace dkv;
using namespace dkv::detail;

namespace {

constexpr replica_id me = 0x1234567800000042ull;
constexpr replica_id other = 0x8765432100000007ull;

object write(const object& stored, replica_id coordinator,
             version_vector context = {}) {
  write_request req;
  req.context = std::move(context);
  req.value = "v";
  req.coordinator = coordinator;
  req.now_ms = 1;
  return apply_write(stored, req);
}

} // namespace

CAF_TEST(epoch ids carry this node 's tag and no one else' s) {
  auto id = epoch_id(me, 7);
  CAF_CHECK(own_id(id, me));
  CAF_CHECK_EQUAL(id & 0xFFFFFFFFull, 7u);
  CAF_CHECK(!own_id(epoch_id(other, 7), me));
  // The pre-epoch id (the incarnation itself) is not continued.
  CAF_CHECK(!own_id(me, me));
}

CAF_TEST(the newest own epoch of a copy is continued) {
  object empty{"k", {}};
  CAF_CHECK_EQUAL(own_writer(empty, me), 0u);
  auto x = write(empty, epoch_id(other, 1));
  CAF_CHECK_EQUAL(own_writer(x, me), 0u);
  auto y = write(x, epoch_id(me, 3), context_of(x));
  auto z = write(y, epoch_id(me, 9)); // concurrent: both stay siblings
  CAF_REQUIRE_EQUAL(z.siblings.size(), 2u);
  CAF_CHECK_EQUAL(own_writer(z, me), epoch_id(me, 9));
  // An own id seen only in a past still counts.
  auto w = write(y, epoch_id(other, 1), context_of(y));
  CAF_CHECK_EQUAL(own_writer(w, me), epoch_id(me, 3));
}

CAF_TEST(a put answers the context of its own newest write) {
  object empty{"k", {}};
  auto a = write(empty, epoch_id(me, 2));
  auto b = write(a, epoch_id(other, 1)); // concurrent sibling
  auto c = write(b, epoch_id(me, 2), context_of(a));
  auto context = own_written_context(c, me);
  // It covers this node's newest write and not the concurrent one.
  CAF_CHECK_EQUAL(max_counter_of(context, epoch_id(me, 2)), 2u);
  CAF_CHECK_EQUAL(max_counter_of(context, epoch_id(other, 1)), 0u);
}

CAF_TEST(a copy that shows a lower own counter than before hides one) {
  auto mine = epoch_id(me, 2);
  auto one = write(object{"k", {}}, mine);               // (mine, 1)
  auto two = write(one, mine);                           // (mine, 2) beside it
  CAF_CHECK(!hides_own_counter(one, two, me));
  CAF_CHECK(!hides_own_counter(two, two, me));
  // Another node's version over (mine, 2) whose clock lost that entry
  // supersedes nothing of mine: (mine, 1) and (mine, 2) stay.
  version_vector pruned;
  pruned.entries.push_back(clock_entry{other, 1, 1});
  auto theirs = write(two, epoch_id(other, 1), pruned);
  CAF_CHECK(!hides_own_counter(two, theirs, me));
  // A copy where only counter 1 is still visible hides counter 2.
  CAF_CHECK(hides_own_counter(two, one, me));
  // A copy without any own id is no hiding: that key gets a fresh epoch.
  CAF_CHECK(!hides_own_counter(object{"k", {}}, theirs, me));
}
