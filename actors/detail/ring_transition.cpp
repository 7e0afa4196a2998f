#include "actors/detail/ring_transition.hpp"

#include <algorithm>
#include <map>

#include "actors/detail/claim.hpp"
#include "actors/detail/preference_list.hpp"

namespace dkv::detail {

namespace {

bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

/// The elements of `xs` not in `ys`, in the order of `xs`.
std::vector<std::string> minus(const std::vector<std::string>& xs,
                               const std::vector<std::string>& ys) {
  std::vector<std::string> result;
  for (auto& x : xs)
    if (!contains(ys, x))
      result.push_back(x);
  return result;
}

} // namespace

std::vector<std::string> current_preference(const ring_state& ring,
                                            uint32_t p, uint32_t n) {
  return preference_list(ring.owners, p, n);
}

std::vector<std::string> next_preference(const ring_state& ring, uint32_t p,
                                         uint32_t n) {
  return preference_list(in_transition(ring) ? ring.next_owners : ring.owners,
                         p, n);
}

std::vector<std::string> gainers(const ring_state& ring, uint32_t p,
                                 uint32_t n) {
  if (!in_transition(ring))
    return {};
  return minus(next_preference(ring, p, n), current_preference(ring, p, n));
}

std::vector<std::string> losers(const ring_state& ring, uint32_t p,
                                uint32_t n) {
  if (!in_transition(ring))
    return {};
  return minus(current_preference(ring, p, n), next_preference(ring, p, n));
}

ring_state begin_transition(const ring_state& ring,
                            std::vector<std::string> next_members,
                            uint32_t n, const std::set<std::string>& forced) {
  std::sort(next_members.begin(), next_members.end());
  next_members.erase(std::unique(next_members.begin(), next_members.end()),
                     next_members.end());
  ring_state result = ring;
  auto q = ring.partitions;
  result.next_owners = claim(ring.owners, next_members, q, n);
  result.next_members = std::move(next_members);
  result.sources.assign(q, std::string{});
  result.moved.assign(q, 1);
  ++result.version;
  for (uint32_t p = 0; p < q; ++p) {
    if (gainers(result, p, n).empty())
      continue; // only losers: they drop their copies after the flip
    result.moved[p] = 0;
    auto& home = ring.owners[p];
    if (forced.count(home) == 0) {
      result.sources[p] = home;
      continue;
    }
    for (auto& node : current_preference(ring, p, n))
      if (forced.count(node) == 0) {
        result.sources[p] = node;
        break;
      }
    if (result.sources[p].empty())
      result.moved[p] = 1; // no replica left to stream from: data lost
  }
  complete_transition(result);
  return result;
}

uint32_t partitions_moving(const ring_state& ring) {
  if (!in_transition(ring))
    return 0;
  return static_cast<uint32_t>(
    std::count(ring.moved.begin(), ring.moved.end(), uint8_t{0}));
}

std::vector<ownership_share> shares(const ring_state& ring) {
  std::map<std::string, ownership_share> by_node;
  for (auto& m : ring.members)
    by_node[m].node = m;
  for (auto& m : ring.next_members)
    by_node[m].node = m;
  for (uint32_t p = 0; p < ring.owners.size(); ++p) {
    ++by_node[owners_for(ring, p)[p]].now;
    auto& next = in_transition(ring) ? ring.next_owners : ring.owners;
    ++by_node[next[p]].next;
  }
  std::vector<ownership_share> result;
  for (auto& [name, share] : by_node) {
    result.push_back(share);
    result.back().node = name;
  }
  return result;
}

} // namespace dkv::detail
