#include "messages/ring.hpp"

#include <algorithm>
#include <tuple>

namespace dkv {

std::string validate(const ring_state& x) {
  auto q = x.partitions;
  if (q == 0 || (q & (q - 1)) != 0)
    return "partitions is not a power of two: " + std::to_string(q);
  if (x.owners.size() != q)
    return "expected " + std::to_string(q) + " owners, got "
           + std::to_string(x.owners.size());
  if (x.members.empty())
    return "no members";
  // Sorted and unique, so equal memberships compare equal and owners can be
  // looked up with a binary search.
  if (!std::is_sorted(x.members.begin(), x.members.end())
      || std::adjacent_find(x.members.begin(), x.members.end())
           != x.members.end())
    return "members are not sorted and unique";
  if (x.members.front().empty())
    return "empty member name";
  for (size_t p = 0; p < x.owners.size(); ++p)
    if (!std::binary_search(x.members.begin(), x.members.end(), x.owners[p]))
      return "partition " + std::to_string(p) + " is owned by non-member \""
             + x.owners[p] + "\"";
  return {};
}

bool supersedes(const ring_state& x, const ring_state& y) {
  return std::tie(x.version, x.partitions, x.members, x.owners)
         > std::tie(y.version, y.partitions, y.members, y.owners);
}

} // namespace dkv
