#include "storage/record_cache.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

namespace dkv::storage {

record_cache::record_cache(size_t capacity_bytes, size_t shard_count) {
  shard_count = std::max<size_t>(shard_count, 1);
  shard_capacity_ = capacity_bytes / shard_count;
  shards_.reserve(shard_count);
  for (size_t i = 0; i < shard_count; ++i)
    shards_.push_back(std::make_unique<shard>());
}

std::string record_cache::id_of(partition_id p, const std::string& key) {
  std::string id(sizeof(p) + key.size(), '\0');
  std::memcpy(id.data(), &p, sizeof(p));
  std::memcpy(id.data() + sizeof(p), key.data(), key.size());
  return id;
}

record_cache::shard& record_cache::shard_of(const std::string& id) {
  return *shards_[std::hash<std::string>{}(id) % shards_.size()];
}

void record_cache::erase(shard& s, std::list<entry>::iterator i) {
  s.bytes -= i->id.size() + i->record.size() + entry_overhead;
  s.index.erase(i->id);
  s.lru.erase(i);
}

std::optional<std::string> record_cache::take_hit(shard& s,
                                                  const std::string& id) {
  auto i = s.index.find(id);
  if (i == s.index.end())
    return std::nullopt;
  s.lru.splice(s.lru.begin(), s.lru, i->second);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return i->second->record;
}

record_cache::lookup record_cache::find(partition_id p,
                                        const std::string& key) {
  auto id = id_of(p, key);
  auto& s = shard_of(id);
  lookup result;
  std::lock_guard<std::mutex> guard{s.mtx};
  result.record = take_hit(s, id);
  if (!result.record) {
    result.generation = s.generation;
    misses_.fetch_add(1, std::memory_order_relaxed);
  }
  return result;
}

std::optional<std::string> record_cache::find_held(partition_id p,
                                                   const std::string& key) {
  auto id = id_of(p, key);
  auto& s = shard_of(id);
  std::lock_guard<std::mutex> guard{s.mtx};
  return take_hit(s, id);
}

void record_cache::fill(partition_id p, const std::string& key,
                        const std::string& record, uint64_t generation) {
  auto id = id_of(p, key);
  auto cost = id.size() + record.size() + entry_overhead;
  if (cost > shard_capacity_ / 4)
    return;
  auto& s = shard_of(id);
  std::lock_guard<std::mutex> guard{s.mtx};
  if (s.generation != generation || s.index.count(id) > 0)
    return;
  admit(s, std::move(id), record, cost);
}

void record_cache::admit(shard& s, std::string id, const std::string& record,
                         size_t cost) {
  if (s.bytes + cost > shard_capacity_
      && ++s.offered_while_full % full_admission != 0)
    return;
  while (!s.lru.empty() && s.bytes + cost > shard_capacity_)
    erase(s, std::prev(s.lru.end()));
  s.lru.push_front(entry{id, record});
  s.index.emplace(std::move(id), s.lru.begin());
  s.bytes += cost;
}

void record_cache::store(partition_id p, const std::string& key,
                         const std::string& record) {
  auto id = id_of(p, key);
  auto cost = id.size() + record.size() + entry_overhead;
  auto& s = shard_of(id);
  std::lock_guard<std::mutex> guard{s.mtx};
  ++s.generation;
  auto held = s.index.find(id);
  if (cost > shard_capacity_ / 4) {
    if (held != s.index.end())
      erase(s, held->second);
    return;
  }
  if (held != s.index.end()) {
    // Admitted before: replaced in place, the least recently used others
    // make room.
    auto i = held->second;
    s.bytes = s.bytes - i->record.size() + record.size();
    i->record = record;
    s.lru.splice(s.lru.begin(), s.lru, i);
    while (s.bytes > shard_capacity_ && std::prev(s.lru.end()) != i)
      erase(s, std::prev(s.lru.end()));
    return;
  }
  admit(s, std::move(id), record, cost);
}

void record_cache::invalidate(partition_id p, const std::string& key) {
  auto id = id_of(p, key);
  auto& s = shard_of(id);
  std::lock_guard<std::mutex> guard{s.mtx};
  ++s.generation;
  if (auto i = s.index.find(id); i != s.index.end())
    erase(s, i->second);
}

void record_cache::invalidate_partition(partition_id p) {
  char prefix[sizeof(p)];
  std::memcpy(prefix, &p, sizeof(p));
  for (auto& s : shards_) {
    std::lock_guard<std::mutex> guard{s->mtx};
    ++s->generation;
    for (auto i = s->lru.begin(); i != s->lru.end();) {
      auto next = std::next(i);
      if (std::memcmp(i->id.data(), prefix, sizeof(p)) == 0)
        erase(*s, i);
      i = next;
    }
  }
}

size_t record_cache::bytes() const {
  size_t result = 0;
  for (auto& s : shards_) {
    std::lock_guard<std::mutex> guard{s->mtx};
    result += s->bytes;
  }
  return result;
}

size_t record_cache::entries() const {
  size_t result = 0;
  for (auto& s : shards_) {
    std::lock_guard<std::mutex> guard{s->mtx};
    result += s->lru.size();
  }
  return result;
}

} // namespace dkv::storage
