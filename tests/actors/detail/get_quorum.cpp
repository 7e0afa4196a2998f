#include "actors/detail/get_quorum.hpp"

#include "caf/test/unit_test.hpp"

using namespace dkv;
using dkv::detail::get_quorum;

namespace {

object written(const std::string& value, replica_id by,
               version_vector context = {}) {
  write_request wr;
  wr.value = value;
  wr.coordinator = by;
  wr.context = std::move(context);
  wr.now_ms = 1;
  return apply_write(object{"k", {}}, wr);
}

} // namespace

CAF_TEST(r replies are enough and merge by causality) {
  get_quorum q{"k", {"a", "b", "c"}, 2};
  auto v1 = written("v1", 1);
  write_request next;
  next.context = context_of(v1);
  next.value = "v2";
  next.coordinator = 2;
  next.now_ms = 2;
  auto v2 = apply_write(v1, next);
  q.reply("a", v1);
  CAF_CHECK(!q.enough());
  q.reply("b", v2);
  CAF_CHECK(q.enough());
  // v2 descends from v1: one value, not two siblings.
  CAF_CHECK_EQUAL(live_values(q.merged()), std::vector<std::string>{"v2"});
  CAF_CHECK_EQUAL(q.stale_replicas(), std::vector<std::string>{"a"});
}

CAF_TEST(concurrent replies are siblings and both replicas are stale) {
  get_quorum q{"k", {"a", "b"}, 2};
  q.reply("a", written("x", 1));
  q.reply("b", written("y", 2));
  CAF_CHECK_EQUAL(live_values(q.merged()).size(), 2u);
  CAF_CHECK_EQUAL(q.stale_replicas().size(), 2u);
}

CAF_TEST(a replica without the key is stale) {
  get_quorum q{"k", {"a", "b"}, 1};
  q.reply("a", written("x", 1));
  q.reply("b", object{"k", {}});
  CAF_CHECK_EQUAL(q.stale_replicas(), std::vector<std::string>{"b"});
}

CAF_TEST(failures make the read impossible and duplicates do not count) {
  get_quorum q{"k", {"a", "b", "c"}, 2};
  q.reply("a", written("x", 1));
  q.reply("a", written("y", 9));
  CAF_CHECK_EQUAL(q.replies(), 1u);
  CAF_CHECK_EQUAL(live_values(q.merged()), std::vector<std::string>{"x"});
  q.fail("b");
  CAF_CHECK(!q.impossible());
  q.fail("c");
  CAF_CHECK(q.impossible());
}
