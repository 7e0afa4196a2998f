#include "actors/detail/claim.hpp"

#include <algorithm>
#include <map>

#include "caf/test/unit_test.hpp"

using namespace dkv::detail;

namespace {

std::string name(size_t i) {
  return "node" + std::to_string(i);
}

bool balanced(const std::vector<std::string>& owners,
              const std::vector<std::string>& members) {
  std::map<std::string, size_t> count;
  for (auto& o : owners)
    ++count[o];
  auto q = owners.size();
  auto s = members.size();
  for (auto& m : members)
    if (count[m] < q / s || count[m] > (q + s - 1) / s)
      return false;
  return count.size() == s; // nobody else owns anything
}

size_t owned_by(const std::vector<std::string>& owners, const std::string& m) {
  return static_cast<size_t>(std::count(owners.begin(), owners.end(), m));
}

} // namespace

CAF_TEST(feasibility of distinct windows) {
  CAF_CHECK(distinct_windows_feasible(64, 4, 3));
  CAF_CHECK(!distinct_windows_feasible(64, 3, 3)); // 22 > 64/3
  CAF_CHECK(!distinct_windows_feasible(8, 3, 3));
  CAF_CHECK(distinct_windows_feasible(8, 4, 3));
  CAF_CHECK(distinct_windows_feasible(16, 6, 5));
  CAF_CHECK(!distinct_windows_feasible(16, 5, 5)); // brute force agrees
  CAF_CHECK(!distinct_windows_feasible(64, 2, 3)); // fewer nodes than N
}

CAF_TEST(new rings are balanced and distinct wherever possible) {
  for (uint32_t q = 8; q <= 1024; q *= 2)
    for (uint32_t n : {1u, 2u, 3u, 4u, 5u})
      for (size_t s = 1; s <= 64; ++s) {
        std::vector<std::string> members;
        for (size_t i = 1; i <= s; ++i)
          members.push_back(name(i));
        auto owners = claim({}, members, q, n);
        CAF_REQUIRE_EQUAL(owners.size(), q);
        CAF_CHECK(balanced(owners, members));
        if (distinct_windows_feasible(q, static_cast<uint32_t>(s), n))
          CAF_CHECK_EQUAL(window_violations(owners, n), 0u);
      }
}

CAF_TEST(claim is deterministic whatever the member order) {
  std::vector<std::string> members{"c", "a", "e", "b", "d"};
  auto x = claim({}, members, 64, 3);
  std::reverse(members.begin(), members.end());
  CAF_CHECK_EQUAL(claim({}, members, 64, 3), x);
  auto y = claim(x, {"a", "b", "c", "d", "e", "f"}, 64, 3);
  CAF_CHECK_EQUAL(claim(x, {"f", "e", "d", "c", "b", "a"}, 64, 3), y);
}

// Joins move partitions only to the newcomer (plus at most N + 4 repair
// moves), except when the cluster grows from S = N, where no ring with
// distinct windows existed before: then up to Q/2 + N + 4 more move to make every
// window distinct (measured worst: 391 of 1024). Leaves move the leaver's partitions plus at most Q/8 + 16
// repair moves (measured worst: 101 of 1024 leaving into S = N + 1).
CAF_TEST(joins and leaves move only what they must) {
  for (uint32_t q = 8; q <= 1024; q *= 2)
    for (uint32_t n : {1u, 2u, 3u, 5u}) {
      std::vector<std::string> members;
      std::vector<std::string> owners;
      for (size_t s = 1; s <= 64; ++s) {
        members.push_back(name(s));
        auto next = claim(owners, members, q, n);
        CAF_CHECK(balanced(next, members));
        if (!owners.empty()) {
          auto moved = moves(owners, next);
          auto needed = owned_by(next, name(s));
          CAF_CHECK_GREATER_OR_EQUAL(moved.size(), needed);
          auto slack = s - 1 == n && !distinct_windows_feasible(q, n, n)
                         ? q / 2 + n + 4
                         : n + 4;
          if (moved.size() > needed + slack)
            CAF_FAIL("join to " << s << " nodes, q=" << q << " n=" << n
                                << " moved " << moved.size() << ", needed "
                                << needed);
        }
        owners = std::move(next);
      }
      for (size_t s = 64; s > 1; --s) {
        auto leaver = members.back();
        members.pop_back();
        auto next = claim(owners, members, q, n);
        CAF_CHECK(balanced(next, members));
        auto had = owned_by(owners, leaver);
        auto moved = moves(owners, next).size();
        CAF_CHECK_GREATER_OR_EQUAL(moved, had);
        if (moved > had + q / 8 + 16)
          CAF_FAIL("leave to " << s - 1 << " nodes, q=" << q << " n=" << n
                               << " moved " << moved << ", had " << had);
        owners = std::move(next);
      }
    }
}

CAF_TEST(moves lists exactly the changed partitions) {
  std::vector<std::string> before{"a", "b", "c", "a"};
  std::vector<std::string> after{"a", "d", "c", "b"};
  auto m = moves(before, after);
  CAF_REQUIRE_EQUAL(m.size(), 2u);
  CAF_CHECK_EQUAL(m[0].first, 1u);
  CAF_CHECK_EQUAL(m[0].second, "d");
  CAF_CHECK_EQUAL(m[1].first, 3u);
  CAF_CHECK_EQUAL(m[1].second, "b");
}
