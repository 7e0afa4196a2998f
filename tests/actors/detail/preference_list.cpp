#include "actors/detail/preference_list.hpp"

#include <algorithm>
#include <set>

#include "caf/test/unit_test.hpp"

#include "actors/detail/claim.hpp"

using namespace dkv::detail;

namespace {

std::vector<std::string> members_of(size_t s) {
  std::vector<std::string> result;
  for (size_t i = 1; i <= s; ++i)
    result.push_back("node" + std::to_string(i));
  return result;
}

} // namespace

CAF_TEST(the walk skips repeated owners) {
  std::vector<std::string> owners{"a", "a", "b", "a", "c", "b"};
  CAF_CHECK_EQUAL(preference_list(owners, 0, 3),
                  (std::vector<std::string>{"a", "b", "c"}));
  CAF_CHECK_EQUAL(preference_list(owners, 4, 2),
                  (std::vector<std::string>{"c", "b"}));
  // Wraps around the ring.
  CAF_CHECK_EQUAL(preference_list(owners, 5, 3),
                  (std::vector<std::string>{"b", "a", "c"}));
  // Fewer distinct owners than N: all of them.
  CAF_CHECK_EQUAL(preference_list(owners, 0, 5).size(), 3u);
}

CAF_TEST(primaries are n distinct nodes and fallbacks the rest) {
  for (uint32_t q : {8u, 64u, 256u})
    for (uint32_t n : {1u, 2u, 3u, 5u})
      for (size_t s = n; s <= 12; ++s) {
        auto owners = claim({}, members_of(s), q, n);
        for (uint32_t p = 0; p < q; ++p) {
          auto primaries = preference_list(owners, p, n);
          auto expected = std::min<size_t>(n, std::min<size_t>(s, q));
          std::set<std::string> distinct(primaries.begin(), primaries.end());
          if (primaries.size() != expected || distinct.size() != expected)
            CAF_FAIL("q=" << q << " n=" << n << " s=" << s << " p=" << p
                          << ": " << primaries.size() << " primaries");
          CAF_CHECK_EQUAL(primaries.front(), owners[p]);
          auto all = extended_preference_list(owners, p);
          size_t owners_count = std::min<size_t>(s, q);
          CAF_CHECK_EQUAL(all.size(), owners_count);
          CAF_CHECK(std::equal(primaries.begin(), primaries.end(),
                               all.begin()));
        }
      }
}

CAF_TEST(a node replicates exactly the partitions whose primaries name it) {
  auto owners = claim({}, members_of(5), 64, 3);
  size_t total = 0;
  for (auto& node : members_of(5)) {
    auto mine = partitions_replicated_by(owners, node, 3);
    total += mine.size();
    for (uint32_t p = 0; p < 64; ++p) {
      auto pl = preference_list(owners, p, 3);
      bool listed = std::find(pl.begin(), pl.end(), node) != pl.end();
      bool held = std::find(mine.begin(), mine.end(), p) != mine.end();
      CAF_CHECK_EQUAL(listed, held);
    }
  }
  CAF_CHECK_EQUAL(total, 64u * 3);
}
