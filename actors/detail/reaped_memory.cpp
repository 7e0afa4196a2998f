#include "actors/detail/reaped_memory.hpp"

#include <algorithm>

namespace dkv::detail {

void reaped_memory::remember(const std::string& key,
                             const version_vector& clock, time_point until) {
  auto [i, added] = entries_.try_emplace(key, entry{clock, until});
  if (added)
    return;
  // Two reaps of one key (a revived key deleted and reaped again): both
  // clocks' versions are gone.
  merge_into(i->second.clock, clock);
  i->second.until = std::max(i->second.until, until);
}

void reaped_memory::filter(object& incoming, time_point now) {
  auto i = entries_.find(incoming.key);
  if (i == entries_.end())
    return;
  if (i->second.until < now) {
    entries_.erase(i);
    return;
  }
  auto& clock = i->second.clock;
  auto& sibs = incoming.siblings;
  sibs.erase(
    std::remove_if(sibs.begin(), sibs.end(),
                   [&](const sibling& s) { return covers(clock, s.event); }),
    sibs.end());
}

void reaped_memory::expire(time_point now) {
  for (auto i = entries_.begin(); i != entries_.end();)
    if (i->second.until < now)
      i = entries_.erase(i);
    else
      ++i;
}

} // namespace dkv::detail
