#include "actors/detail/ring_transition.hpp"

#include <algorithm>
#include <random>

#include "caf/test/unit_test.hpp"

#include "actors/detail/claim.hpp"
#include "actors/detail/preference_list.hpp"

using namespace dkv;
using namespace dkv::detail;

namespace {

using name_list = std::vector<std::string>;

name_list members_of(size_t s) {
  name_list result;
  for (size_t i = 1; i <= s; ++i)
    result.push_back("node" + std::to_string(i));
  std::sort(result.begin(), result.end());
  return result;
}

ring_state ring_of(size_t s, uint32_t q, uint32_t n) {
  ring_state ring;
  ring.partitions = q;
  ring.members = members_of(s);
  ring.owners = claim({}, ring.members, q, n);
  ring.version = 1;
  return ring;
}

bool contains(const name_list& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

/// Flips every partition, in a random order, checking the preference lists
/// stay on distinct nodes at every step.
void flip_all(ring_state& ring, uint32_t n, std::minstd_rand& rng) {
  std::vector<uint32_t> order;
  for (uint32_t p = 0; p < ring.partitions; ++p)
    if (ring.moved[p] == 0)
      order.push_back(p);
  std::shuffle(order.begin(), order.end(), rng);
  for (auto p : order) {
    ring.moved[p] = 1;
    for (uint32_t k = 0; k < ring.partitions; ++k) {
      auto list = preference_list(ring, k, n);
      auto sorted = list;
      std::sort(sorted.begin(), sorted.end());
      CAF_REQUIRE(std::adjacent_find(sorted.begin(), sorted.end())
                  == sorted.end());
    }
  }
  CAF_CHECK(complete_transition(ring));
}

} // namespace

CAF_TEST(a join moves only the partitions whose preference list changes) {
  auto ring = ring_of(3, 64, 3);
  auto next = begin_transition(ring, members_of(4), 3, {});
  CAF_REQUIRE(in_transition(next));
  CAF_CHECK_EQUAL(next.version, 2u);
  CAF_CHECK_EQUAL(validate(next), "");
  uint32_t moving = 0;
  uint32_t only_new = 0;
  for (uint32_t p = 0; p < 64; ++p) {
    auto gain = gainers(next, p, 3);
    auto lose = losers(next, p, 3);
    CAF_CHECK_EQUAL(gain.size(), lose.size()); // lists keep N nodes
    if (gain.empty()) {
      CAF_CHECK_EQUAL(next.moved[p], 1);
      CAF_CHECK_EQUAL(next.sources[p], "");
      continue;
    }
    ++moving;
    CAF_CHECK_EQUAL(next.moved[p], 0);
    // The new node gains (an exchange chain of claim() may move a few
    // others); the source is the current home.
    if (gain == name_list{"node4"})
      ++only_new;
    CAF_CHECK_EQUAL(next.sources[p], ring.owners[p]);
    CAF_CHECK(contains(current_preference(next, p, 3), next.sources[p]));
  }
  CAF_CHECK_EQUAL(partitions_moving(next), moving);
  // node4 ends up a replica of about 3/4 of the 64 partitions (N of S=4).
  CAF_CHECK_GREATER_OR_EQUAL(moving, 44u);
  CAF_CHECK_LESS_OR_EQUAL(moving, 52u);
  CAF_CHECK_GREATER_OR_EQUAL(only_new + 9, moving);
  // Nothing flipped yet: every list is still the current one.
  for (uint32_t p = 0; p < 64; ++p)
    if (next.moved[p] == 0)
      CAF_CHECK_EQUAL(preference_list(next, p, 3),
                      preference_list(ring.owners, p, 3));
}

CAF_TEST(shares are balanced after and move as partitions flip) {
  auto ring = ring_of(3, 64, 3);
  auto next = begin_transition(ring, members_of(5), 3, {});
  for (auto& s : shares(next)) {
    CAF_CHECK_GREATER_OR_EQUAL(s.next, 12u);
    CAF_CHECK_LESS_OR_EQUAL(s.next, 13u);
    if (s.node == "node4" || s.node == "node5")
      CAF_CHECK_EQUAL(s.now, 0u);
  }
  std::minstd_rand rng{7};
  flip_all(next, 3, rng);
  CAF_CHECK_EQUAL(next.version, 3u);
  CAF_CHECK_EQUAL(next.members, members_of(5));
  for (auto& s : shares(next))
    CAF_CHECK_EQUAL(s.now, s.next);
}

CAF_TEST(a leave hands every partition of the leaver to others) {
  auto ring = ring_of(5, 64, 3);
  auto rest = members_of(5);
  rest.erase(std::find(rest.begin(), rest.end(), "node2"));
  auto next = begin_transition(ring, rest, 3, {});
  CAF_REQUIRE(in_transition(next));
  for (uint32_t p = 0; p < 64; ++p) {
    CAF_CHECK(!contains(next_preference(next, p, 3), "node2"));
    if (contains(current_preference(next, p, 3), "node2")) {
      CAF_CHECK(contains(losers(next, p, 3), "node2"));
      CAF_CHECK_EQUAL(next.moved[p], 0);
    }
    // The leaver itself streams what it was home of: it hands off.
    if (ring.owners[p] == "node2" && next.moved[p] == 0)
      CAF_CHECK_EQUAL(next.sources[p], "node2");
  }
  std::minstd_rand rng{11};
  flip_all(next, 3, rng);
  CAF_CHECK_EQUAL(next.members, rest);
  CAF_CHECK(std::count(next.owners.begin(), next.owners.end(), "node2") == 0);
}

CAF_TEST(a forced leave streams from the surviving replicas) {
  auto ring = ring_of(5, 32, 3);
  auto rest = members_of(5);
  rest.erase(std::find(rest.begin(), rest.end(), "node3"));
  auto next = begin_transition(ring, rest, 3, {"node3"});
  for (uint32_t p = 0; p < 32; ++p) {
    CAF_CHECK_NOT_EQUAL(next.sources[p], "node3");
    if (next.moved[p] == 0)
      CAF_CHECK(contains(current_preference(next, p, 3), next.sources[p]));
  }
}

CAF_TEST(a change that moves nothing completes at once) {
  auto ring = ring_of(3, 16, 3);
  auto same = begin_transition(ring, ring.members, 3, {});
  CAF_CHECK(!in_transition(same));
  CAF_CHECK_EQUAL(same.owners, ring.owners);
  CAF_CHECK_EQUAL(same.version, 3u);
}

CAF_TEST(flips merge by union in any order and complete once) {
  auto ring = ring_of(3, 32, 3);
  auto base = begin_transition(ring, members_of(4), 3, {});
  std::minstd_rand rng{3};
  for (int round = 0; round < 200; ++round) {
    auto a = base, b = base, c = base;
    for (uint32_t p = 0; p < 32; ++p) {
      if (base.moved[p] != 0)
        continue;
      a.moved[p] = rng() % 2;
      b.moved[p] = rng() % 2;
      c.moved[p] = rng() % 3 == 0;
    }
    auto ab_c = a;
    merge_rings(ab_c, b);
    merge_rings(ab_c, c);
    auto c_ba = c;
    merge_rings(c_ba, b);
    merge_rings(c_ba, a);
    CAF_CHECK_EQUAL(ab_c, c_ba);
    auto twice = ab_c;
    CAF_CHECK(!merge_rings(twice, ab_c));
    CAF_CHECK_EQUAL(twice, ab_c);
    CAF_CHECK_EQUAL(validate(ab_c), "");
  }
  // All flipped on some node: everyone completes to the same next ring.
  auto all = base;
  std::fill(all.moved.begin(), all.moved.end(), 1);
  auto x = base;
  CAF_CHECK(merge_rings(x, all));
  CAF_CHECK(!in_transition(x));
  CAF_CHECK_EQUAL(x.version, base.version + 1);
  CAF_CHECK_EQUAL(x.owners, base.next_owners);
  // The completed ring outranks any late flip of the transition.
  auto late = base;
  CAF_CHECK(!merge_rings(x, late));
}

CAF_TEST(a half-built transition is invalid) {
  auto ring = ring_of(3, 16, 3);
  auto next = begin_transition(ring, members_of(4), 3, {});
  auto broken = next;
  broken.sources.pop_back();
  CAF_CHECK_NOT_EQUAL(validate(broken), "");
  broken = next;
  broken.next_owners[3] = "stranger";
  CAF_CHECK_NOT_EQUAL(validate(broken), "");
  broken = ring;
  broken.moved = {1};
  CAF_CHECK_NOT_EQUAL(validate(broken), "");
}
