#include "messages/gossip.hpp"

#include <algorithm>
#include <random>

#include "caf/test/unit_test.hpp"

using namespace dkv;

namespace {

/// A valid ring of 8 partitions over `names`, owners round-robin from
/// `offset` (different offsets make different rings of the same members).
ring_state ring_of(std::vector<std::string> names, uint64_t version,
                   size_t offset = 0) {
  ring_state ring;
  ring.partitions = 8;
  std::sort(names.begin(), names.end());
  ring.members = names;
  for (size_t p = 0; p < 8; ++p)
    ring.owners.push_back(names[(p + offset) % names.size()]);
  ring.version = version;
  return ring;
}

gossip_state state_of(std::vector<member_record> members,
                      ring_state ring = {}) {
  gossip_state s;
  s.cluster = "c";
  s.partitions = 8;
  s.ring = std::move(ring);
  std::sort(members.begin(), members.end(),
            [](auto& x, auto& y) { return x.name < y.name; });
  s.members = std::move(members);
  return s;
}

gossip_state random_state(std::minstd_rand& rng) {
  std::vector<member_record> members;
  for (auto name : {"a", "b", "c", "d"})
    if (rng() % 3 != 0)
      members.push_back(
        member_record{name, std::string{name} + ":1", rng() % 3, rng() % 5});
  ring_state ring;
  if (rng() % 2 == 0)
    ring = ring_of({"a", "b", "c"}, rng() % 3 + 1, rng() % 3);
  return state_of(std::move(members), std::move(ring));
}

gossip_state merged(gossip_state x, const gossip_state& y) {
  merge(x, y);
  return x;
}

} // namespace

CAF_TEST(the freshest record of each node wins) {
  auto ours = state_of({{"a", "a:1", 1, 5}, {"b", "b:1", 2, 1}});
  auto theirs
    = state_of({{"a", "a:1", 1, 7}, {"b", "b:9", 1, 99}, {"c", "c:1", 1, 0}});
  auto result = merge(ours, theirs);
  CAF_REQUIRE_EQUAL(ours.members.size(), 3u);
  auto a = *find_member(ours, "a");
  auto b = *find_member(ours, "b");
  CAF_CHECK_EQUAL(a.heartbeat, 7u);
  // A newer generation (a restart) outranks any heartbeat of the old one.
  CAF_CHECK_EQUAL(b.address, "b:1");
  CAF_CHECK_EQUAL(b.generation, 2u);
  std::vector<std::string> expected{"a", "c"};
  CAF_CHECK_EQUAL(result.advanced, expected);
  CAF_CHECK(!result.ring_changed);
}

CAF_TEST(a newer ring is adopted and an older one ignored) {
  auto ours = state_of({}, ring_of({"a", "b"}, 2));
  auto older = state_of({}, ring_of({"a", "b", "c"}, 1));
  CAF_CHECK(!merge(ours, older).ring_changed);
  CAF_CHECK_EQUAL(ours.ring.version, 2u);
  auto newer = state_of({}, ring_of({"a", "b", "c"}, 3));
  CAF_CHECK(merge(ours, newer).ring_changed);
  CAF_CHECK(ours.ring == newer.ring);
  // No ring at all never replaces one.
  CAF_CHECK(!merge(ours, state_of({})).ring_changed);
  CAF_CHECK_EQUAL(ours.ring.version, 3u);
}

CAF_TEST(merging is order independent) {
  // Every node must settle on the same state whatever order it heard the
  // others in: commutative, associative, idempotent.
  std::minstd_rand rng{7};
  for (int round = 0; round < 2000; ++round) {
    auto x = random_state(rng);
    auto y = random_state(rng);
    auto z = random_state(rng);
    auto xy = merged(x, y);
    auto yx = merged(y, x);
    CAF_CHECK(xy == yx);
    auto left = merged(merged(x, y), z);
    auto right = merged(x, merged(y, z));
    CAF_CHECK(left == right);
    CAF_CHECK(merged(xy, y) == xy);
    CAF_CHECK(merged(x, x) == x);
  }
}

CAF_TEST(a foreign cluster or Q is refused) {
  auto ours = state_of({{"a", "a:1", 1, 1}}, ring_of({"a"}, 1));
  auto other_cluster = ours;
  other_cluster.cluster = "evil";
  CAF_CHECK(!check_foreign(ours, other_cluster).empty());
  auto other_q = ours;
  other_q.partitions = 16;
  CAF_CHECK(!check_foreign(ours, other_q).empty());
  auto bad_ring = ours;
  bad_ring.ring.owners.pop_back();
  CAF_CHECK(!check_foreign(ours, bad_ring).empty());
  auto unsorted = state_of({{"b", "b:1", 1, 1}, {"a", "a:1", 1, 1}});
  std::swap(unsorted.members[0], unsorted.members[1]);
  CAF_CHECK(!check_foreign(ours, unsorted).empty());
  auto nameless = state_of({{"", "x:1", 1, 1}});
  CAF_CHECK(!check_foreign(ours, nameless).empty());
  CAF_CHECK_EQUAL(check_foreign(ours, ours), "");
}

CAF_TEST(upsert keeps the records sorted) {
  gossip_state s;
  upsert(s, {"m", "m:1", 1, 0});
  upsert(s, {"a", "a:1", 1, 0});
  upsert(s, {"z", "z:1", 1, 0});
  upsert(s, {"m", "m:2", 2, 0});
  CAF_REQUIRE_EQUAL(s.members.size(), 3u);
  CAF_CHECK_EQUAL(s.members[0].name, "a");
  CAF_CHECK_EQUAL(s.members[1].address, "m:2");
  CAF_CHECK_EQUAL(s.members[2].name, "z");
  CAF_CHECK(find_member(s, "q") == nullptr);
}
