#include "messages/gossip.hpp"

#include <algorithm>
#include <tuple>

namespace dkv {

namespace {

bool fresher(const member_record& x, const member_record& y) {
  // The address breaks ties between records that claim the same freshness
  // (only a confused node sends those), so every node picks the same one.
  return std::tie(x.generation, x.heartbeat, x.address)
         > std::tie(y.generation, y.heartbeat, y.address);
}

auto by_name = [](const member_record& x, const member_record& y) {
  return x.name < y.name;
};

} // namespace

std::string check_foreign(const gossip_state& ours,
                          const gossip_state& theirs) {
  if (theirs.cluster != ours.cluster || theirs.partitions != ours.partitions)
    return "cluster " + theirs.cluster + " with "
           + std::to_string(theirs.partitions)
           + " partitions cannot gossip with cluster " + ours.cluster + " with "
           + std::to_string(ours.partitions) + " partitions";
  if (theirs.ring.version != 0) {
    if (theirs.ring.partitions != ours.partitions)
      return "ring of " + std::to_string(theirs.ring.partitions)
             + " partitions";
    if (auto why = validate(theirs.ring); !why.empty())
      return "invalid ring: " + why;
  }
  for (size_t i = 0; i < theirs.members.size(); ++i) {
    auto& m = theirs.members[i];
    if (m.name.empty() || m.address.empty())
      return "member record without name or address";
    if (i > 0 && !(theirs.members[i - 1].name < m.name))
      return "member records are not sorted and unique";
  }
  return {};
}

merge_result merge(gossip_state& ours, const gossip_state& theirs) {
  merge_result result;
  result.ring_changed = merge_rings(ours.ring, theirs.ring);
  std::vector<member_record> merged;
  merged.reserve(ours.members.size() + theirs.members.size());
  auto i = ours.members.begin();
  auto j = theirs.members.begin();
  while (i != ours.members.end() || j != theirs.members.end()) {
    if (j == theirs.members.end()
        || (i != ours.members.end() && i->name < j->name)) {
      merged.push_back(*i++);
    } else if (i == ours.members.end() || j->name < i->name) {
      result.advanced.push_back(j->name);
      merged.push_back(*j++);
    } else {
      if (fresher(*j, *i)) {
        result.advanced.push_back(j->name);
        merged.push_back(*j);
      } else {
        merged.push_back(*i);
      }
      ++i;
      ++j;
    }
  }
  ours.members = std::move(merged);
  return result;
}

const member_record* find_member(const gossip_state& x,
                                 const std::string& name) {
  member_record key;
  key.name = name;
  auto i = std::lower_bound(x.members.begin(), x.members.end(), key, by_name);
  return i != x.members.end() && i->name == name ? &*i : nullptr;
}

void upsert(gossip_state& state, member_record x) {
  auto i
    = std::lower_bound(state.members.begin(), state.members.end(), x, by_name);
  if (i != state.members.end() && i->name == x.name)
    *i = std::move(x);
  else
    state.members.insert(i, std::move(x));
}

} // namespace dkv
