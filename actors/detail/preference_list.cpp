#include "actors/detail/preference_list.hpp"

#include <algorithm>

namespace dkv::detail {

namespace {

/// The first `limit` distinct owners clockwise from `partition`. Distinct
/// owners are few (the members), so a linear search beats a set.
std::vector<std::string> walk(const std::vector<std::string>& owners,
                              uint32_t partition, size_t limit) {
  std::vector<std::string> result;
  auto q = owners.size();
  if (partition >= q)
    return result;
  for (size_t step = 0; step < q && result.size() < limit; ++step) {
    auto& owner = owners[(partition + step) % q];
    if (!owner.empty()
        && std::find(result.begin(), result.end(), owner) == result.end())
      result.push_back(owner);
  }
  return result;
}

} // namespace

std::vector<std::string> preference_list(const std::vector<std::string>& owners,
                                         uint32_t partition, uint32_t n) {
  return walk(owners, partition, n);
}

std::vector<std::string> preference_list(const ring_state& ring,
                                         uint32_t partition, uint32_t n) {
  return walk(owners_for(ring, partition), partition, n);
}

std::vector<std::string>
extended_preference_list(const std::vector<std::string>& owners,
                         uint32_t partition) {
  return walk(owners, partition, owners.size());
}

std::vector<std::string> extended_preference_list(const ring_state& ring,
                                                  uint32_t partition) {
  return walk(owners_for(ring, partition), partition, ring.owners.size());
}

std::vector<uint32_t>
partitions_replicated_by(const std::vector<std::string>& owners,
                         const std::string& node, uint32_t n) {
  std::vector<uint32_t> result;
  for (uint32_t p = 0; p < owners.size(); ++p) {
    auto primaries = walk(owners, p, n);
    if (std::find(primaries.begin(), primaries.end(), node) != primaries.end())
      result.push_back(p);
  }
  return result;
}

} // namespace dkv::detail
