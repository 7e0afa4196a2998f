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

reaped_record to_record(const reaped_memory& memory,
                        reaped_memory::time_point now) {
  reaped_record record;
  memory.for_each([&](const std::string& key, const version_vector& clock,
                      reaped_memory::time_point until) {
    if (until < now)
      return;
    record.keys.push_back(key);
    record.clocks.push_back(clock);
    record.remaining_ms.push_back(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(until - now)
        .count()));
  });
  return record;
}

void restore(reaped_memory& memory, const reaped_record& record,
             reaped_memory::time_point now) {
  auto n = record.keys.size();
  if (record.clocks.size() != n || record.remaining_ms.size() != n)
    return;
  for (size_t i = 0; i < n; ++i)
    memory.remember(record.keys[i], record.clocks[i],
                    now + std::chrono::milliseconds(record.remaining_ms[i]));
}

} // namespace dkv::detail
