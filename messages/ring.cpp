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
  if (!in_transition(x))
    return x.next_members.empty() && x.sources.empty() && x.moved.empty()
             ? std::string{}
             : std::string{"partial transition"};
  if (x.next_owners.size() != q || x.sources.size() != q
      || x.moved.size() != q)
    return "transition without one next owner, source and flip per partition";
  if (x.next_members.empty()
      || !std::is_sorted(x.next_members.begin(), x.next_members.end())
      || std::adjacent_find(x.next_members.begin(), x.next_members.end())
           != x.next_members.end()
      || x.next_members.front().empty())
    return "next members are not sorted, unique and named";
  auto member = [&](const std::string& name) {
    return std::binary_search(x.members.begin(), x.members.end(), name)
           || std::binary_search(x.next_members.begin(), x.next_members.end(),
                                 name);
  };
  for (size_t p = 0; p < q; ++p) {
    if (!std::binary_search(x.next_members.begin(), x.next_members.end(),
                            x.next_owners[p]))
      return "partition " + std::to_string(p) + " goes to non-member \""
             + x.next_owners[p] + "\"";
    if (!x.sources[p].empty() && !member(x.sources[p]))
      return "partition " + std::to_string(p) + " streamed by non-member";
    if (x.moved[p] > 1)
      return "flip of partition " + std::to_string(p) + " is not 0 or 1";
  }
  return {};
}

bool supersedes(const ring_state& x, const ring_state& y) {
  return std::tie(x.version, x.partitions, x.members, x.owners,
                  x.next_members, x.next_owners, x.sources)
         > std::tie(y.version, y.partitions, y.members, y.owners,
                    y.next_members, y.next_owners, y.sources);
}

bool same_change(const ring_state& x, const ring_state& y) {
  return std::tie(x.version, x.partitions, x.members, x.owners,
                  x.next_members, x.next_owners, x.sources)
         == std::tie(y.version, y.partitions, y.members, y.owners,
                     y.next_members, y.next_owners, y.sources);
}

bool merge_rings(ring_state& ours, const ring_state& theirs) {
  if (theirs.version == 0)
    return false;
  if (same_change(ours, theirs)) {
    bool changed = false;
    for (size_t p = 0; p < ours.moved.size() && p < theirs.moved.size(); ++p)
      if (theirs.moved[p] != 0 && ours.moved[p] == 0) {
        ours.moved[p] = 1;
        changed = true;
      }
    return complete_transition(ours) || changed;
  }
  if (!supersedes(theirs, ours))
    return false;
  ours = theirs;
  complete_transition(ours);
  return true;
}

bool complete_transition(ring_state& x) {
  if (!in_transition(x)
      || std::any_of(x.moved.begin(), x.moved.end(),
                     [](uint8_t m) { return m == 0; }))
    return false;
  x.members = std::move(x.next_members);
  x.owners = std::move(x.next_owners);
  x.next_members.clear();
  x.next_owners.clear();
  x.sources.clear();
  x.moved.clear();
  ++x.version;
  return true;
}

} // namespace dkv
