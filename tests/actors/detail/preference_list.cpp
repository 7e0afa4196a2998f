#include "actors/detail/preference_list.hpp"

#include <algorithm>
#include <set>

#include "caf/binary_deserializer.hpp"
#include "caf/binary_serializer.hpp"
#include "caf/test/unit_test.hpp"

#include "actors/detail/claim.hpp"
#include "messages/gossip.hpp"

using namespace dkv;
using namespace dkv::detail;

namespace {

using owner_list = std::vector<std::string>;

owner_list members_of(size_t s) {
  owner_list result;
  for (size_t i = 1; i <= s; ++i)
    result.push_back("node" + std::to_string(i));
  return result;
}

} // namespace

CAF_TEST(the walk skips repeated owners) {
  owner_list owners{"a", "a", "b", "a", "c", "b"};
  CAF_CHECK_EQUAL(preference_list(owners, 0, 3), (owner_list{"a", "b", "c"}));
  CAF_CHECK_EQUAL(preference_list(owners, 4, 2), (owner_list{"c", "b"}));
  // Wraps around the ring.
  CAF_CHECK_EQUAL(preference_list(owners, 5, 3), (owner_list{"b", "a", "c"}));
  // Fewer distinct owners than N: all of them.
  CAF_CHECK_EQUAL(preference_list(owners, 0, 5), (owner_list{"a", "b", "c"}));
  CAF_CHECK_EQUAL(extended_preference_list(owners, 3),
                  (owner_list{"a", "c", "b"}));
  // Unknown owners are skipped; a partition out of range has no list.
  CAF_CHECK_EQUAL(preference_list(owner_list{"a", "", "b"}, 1, 2),
                  (owner_list{"b", "a"}));
  CAF_CHECK(preference_list(owners, 6, 3).empty());
  CAF_CHECK(preference_list(owner_list{}, 0, 3).empty());
}

CAF_TEST(primaries are n distinct nodes and fallbacks all the others) {
  for (uint32_t q : {8u, 64u, 256u})
    for (uint32_t n : {1u, 2u, 3u, 5u})
      for (uint32_t s = 1; s <= 24; ++s) {
        auto members = members_of(s);
        auto owners = claim({}, members, q, n);
        auto nodes = std::set<std::string>(owners.begin(), owners.end());
        bool distinct = distinct_windows_feasible(q, s, n);
        for (uint32_t p = 0; p < q; ++p) {
          auto primaries = preference_list(owners, p, n);
          auto all = extended_preference_list(owners, p);
          std::set<std::string> unique(all.begin(), all.end());
          auto expected = std::min<size_t>(n, nodes.size());
          if (primaries.size() != expected || primaries.front() != owners[p]
              || all.size() != nodes.size() || unique != nodes
              || !std::equal(primaries.begin(), primaries.end(), all.begin()))
            CAF_FAIL("q=" << q << " n=" << n << " s=" << s << " p=" << p);
          // With distinct windows no walk needs to skip anything.
          for (uint32_t i = 0; distinct && i < n; ++i)
            CAF_REQUIRE_EQUAL(primaries[i], owners[(p + i) % q]);
        }
      }
}

CAF_TEST(a node replicates the partitions whose primaries name it) {
  auto members = members_of(5);
  auto owners = claim({}, members, 64, 3);
  size_t total = 0;
  for (auto& node : members) {
    auto mine = partitions_replicated_by(owners, node, 3);
    CAF_CHECK(std::is_sorted(mine.begin(), mine.end()));
    total += mine.size();
    for (uint32_t p = 0; p < 64; ++p) {
      auto pl = preference_list(owners, p, 3);
      bool listed = std::find(pl.begin(), pl.end(), node) != pl.end();
      bool held = std::binary_search(mine.begin(), mine.end(), p);
      CAF_CHECK_EQUAL(listed, held);
    }
  }
  CAF_CHECK_EQUAL(total, 64u * 3);
}

// With distinct windows a node is in the lists of the N partitions ending at
// each of its own, and those never overlap: replica load is exactly N times
// the (balanced) ownership.
CAF_TEST(replica load follows ownership exactly when windows are distinct) {
  for (uint32_t q : {64u, 256u})
    for (uint32_t n : {2u, 3u, 5u})
      for (uint32_t s = n; s <= 16; ++s) {
        if (!distinct_windows_feasible(q, s, n))
          continue;
        auto members = members_of(s);
        auto owners = claim({}, members, q, n);
        // A join keeps this too.
        members.push_back("node" + std::to_string(s + 1));
        owners = claim(owners, members, q, n);
        for (auto& node : members) {
          auto owned = std::count(owners.begin(), owners.end(), node);
          auto replicated = partitions_replicated_by(owners, node, n).size();
          CAF_REQUIRE_EQUAL(replicated, static_cast<size_t>(owned) * n);
        }
      }
}

CAF_TEST(a ring state answers like its owner list) {
  ring_state ring;
  ring.partitions = 64;
  ring.members = members_of(5);
  ring.owners = claim({}, ring.members, 64, 3);
  ring.version = 1;
  CAF_CHECK_EQUAL(validate(ring), "");
  for (uint32_t p = 0; p < 64; ++p) {
    CAF_CHECK_EQUAL(preference_list(ring, p, 3),
                    preference_list(ring.owners, p, 3));
    CAF_CHECK_EQUAL(extended_preference_list(ring, p),
                    extended_preference_list(ring.owners, p));
  }
  // Invariants a received ring must meet.
  auto broken = ring;
  broken.owners[7] = "stranger";
  CAF_CHECK_NOT_EQUAL(validate(broken), "");
  broken = ring;
  broken.partitions = 48;
  CAF_CHECK_NOT_EQUAL(validate(broken), "");
  broken = ring;
  std::reverse(broken.members.begin(), broken.members.end());
  CAF_CHECK_NOT_EQUAL(validate(broken), "");
  broken = ring;
  broken.owners.pop_back();
  CAF_CHECK_NOT_EQUAL(validate(broken), "");
}

CAF_TEST(the newer ring supersedes and ties break the same everywhere) {
  ring_state a;
  a.partitions = 8;
  a.members = {"x", "y"};
  a.owners = claim({}, a.members, 8, 2);
  a.version = 3;
  auto b = a;
  b.version = 4;
  CAF_CHECK(supersedes(b, a));
  CAF_CHECK(!supersedes(a, b));
  CAF_CHECK(!supersedes(a, a));
  // Two different changes with the same version: exactly one wins.
  auto c = a;
  c.members = {"x", "y", "z"};
  c.owners = claim(a.owners, c.members, 8, 2);
  CAF_CHECK_NOT_EQUAL(supersedes(a, c), supersedes(c, a));
}

CAF_TEST(a ring state survives the wire) {
  ring_state ring;
  ring.partitions = 16;
  ring.members = members_of(3);
  ring.owners = claim({}, ring.members, 16, 3);
  ring.version = 0xABCDEF0123ull;
  member_record m{"node1", "10.0.0.1:4242", 17, 42};
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  CAF_REQUIRE(!sink(ring, m));
  ring_state ring_copy;
  member_record m_copy;
  caf::binary_deserializer source{nullptr, buf};
  CAF_REQUIRE(!source(ring_copy, m_copy));
  CAF_CHECK_EQUAL(ring_copy, ring);
  CAF_CHECK(m_copy == m);
}
