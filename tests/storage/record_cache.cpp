// The records a node keeps for reads: a hit after a fill, nothing kept
// from a read that a write overtook, least recently used records evicted by
// bytes, a partition's records forgotten when it is dropped.

#include "storage/record_cache.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace dkv::storage;

namespace {

/// What a read finds in `cache`, or "<miss>".
std::string read(record_cache& cache, partition_id p, const std::string& key) {
  auto found = cache.find(p, key);
  return found.record ? *found.record : "<miss>";
}

/// A miss of `key`, then the fill of `record` read from the engine.
void miss_then_fill(record_cache& cache, partition_id p, const std::string& key,
                    const std::string& record) {
  auto found = cache.find(p, key);
  CAF_REQUIRE(!found.record);
  cache.fill(p, key, record, found.generation);
}

/// Bytes the cache charges for `key` and `record` (of partition ids).
size_t cost(const std::string& key, const std::string& record) {
  return sizeof(partition_id) + key.size() + record.size()
         + record_cache::entry_overhead;
}

} // namespace

CAF_TEST(a filled record is found until its key is written) {
  record_cache cache{1 << 20};
  CAF_CHECK_EQUAL(read(cache, 1, "k"), "<miss>");
  miss_then_fill(cache, 1, "k", "v1");
  CAF_CHECK_EQUAL(read(cache, 1, "k"), "v1");
  CAF_CHECK_EQUAL(read(cache, 2, "k"), "<miss>"); // another partition
  CAF_CHECK_EQUAL(cache.hits(), 1u);
  CAF_CHECK_EQUAL(cache.misses(), 3u);
  cache.invalidate(1, "k");
  CAF_CHECK_EQUAL(read(cache, 1, "k"), "<miss>");
  CAF_CHECK_EQUAL(cache.entries(), 0u);
  CAF_CHECK_EQUAL(cache.bytes(), 0u);
}

CAF_TEST(a read that a write overtook fills nothing) {
  record_cache cache{1 << 20, 1};
  // The reader misses, a writer changes the key and invalidates it, then
  // the reader fills what it read before the write.
  auto found = cache.find(1, "k");
  cache.invalidate(1, "k");
  cache.fill(1, "k", "before the write", found.generation);
  CAF_CHECK_EQUAL(read(cache, 1, "k"), "<miss>");
  // So does one overtaken by a write to another key of its shard.
  found = cache.find(1, "k");
  cache.invalidate(1, "other");
  cache.fill(1, "k", "maybe stale", found.generation);
  CAF_CHECK_EQUAL(read(cache, 1, "k"), "<miss>");
  // A fill without a write in between is kept.
  miss_then_fill(cache, 1, "k", "current");
  CAF_CHECK_EQUAL(read(cache, 1, "k"), "current");
}

CAF_TEST(the least recently read records go first) {
  // One shard holding four entries of this size.
  auto each = cost("k1", std::string(100, 'x'));
  record_cache cache{4 * each, 1};
  for (auto key : {"k1", "k2", "k3", "k4"})
    miss_then_fill(cache, 1, key, std::string(100, 'x'));
  CAF_CHECK_EQUAL(cache.bytes(), 4 * each);
  CAF_CHECK_EQUAL(read(cache, 1, "k1").size(), 100u); // k2 is now the oldest
  // Full: one record offered in full_admission gets in.
  for (uint64_t i = 1; i < record_cache::full_admission; ++i) {
    miss_then_fill(cache, 1, "k5", std::string(100, 'x'));
    CAF_REQUIRE_EQUAL(read(cache, 1, "k5"), "<miss>");
  }
  CAF_CHECK_EQUAL(cache.entries(), 4u);
  miss_then_fill(cache, 1, "k5", std::string(100, 'x'));
  CAF_CHECK_EQUAL(read(cache, 1, "k2"), "<miss>");
  for (auto key : {"k1", "k3", "k4", "k5"})
    CAF_CHECK_EQUAL(read(cache, 1, key).size(), 100u);
  CAF_CHECK_EQUAL(cache.entries(), 4u);
  CAF_CHECK_EQUAL(cache.bytes(), 4 * each);
}

CAF_TEST(a record larger than a quarter of its shard is not kept) {
  record_cache cache{4096, 1};
  miss_then_fill(cache, 1, "big", std::string(1100, 'x'));
  CAF_CHECK_EQUAL(read(cache, 1, "big"), "<miss>");
  miss_then_fill(cache, 1, "small", std::string(100, 'x'));
  CAF_CHECK_EQUAL(read(cache, 1, "small").size(), 100u);
}

CAF_TEST(a dropped partition is forgotten with the fills begun before) {
  record_cache cache{1 << 20};
  miss_then_fill(cache, 1, "a", "one");
  miss_then_fill(cache, 2, "a", "two");
  auto pending = cache.find(1, "b");
  cache.invalidate_partition(1);
  cache.fill(1, "b", "read before the drop", pending.generation);
  CAF_CHECK_EQUAL(read(cache, 1, "a"), "<miss>");
  CAF_CHECK_EQUAL(read(cache, 1, "b"), "<miss>");
  CAF_CHECK_EQUAL(read(cache, 2, "a"), "two");
  CAF_CHECK_EQUAL(cache.entries(), 1u);
}

CAF_TEST(a cache of no bytes holds nothing) {
  record_cache cache{0};
  miss_then_fill(cache, 1, "k", "v");
  CAF_CHECK_EQUAL(read(cache, 1, "k"), "<miss>");
}

CAF_TEST(a lookup that only takes hits counts no miss) {
  record_cache cache{1 << 20};
  CAF_CHECK(!cache.find_held(1, "k"));
  CAF_CHECK_EQUAL(cache.misses(), 0u);
  miss_then_fill(cache, 1, "k", "v1");
  auto held = cache.find_held(1, "k");
  CAF_REQUIRE(held);
  CAF_CHECK_EQUAL(*held, "v1");
  CAF_CHECK_EQUAL(cache.hits(), 1u);
  CAF_CHECK(!cache.find_held(2, "k")); // another partition's key
  cache.invalidate(1, "k");
  CAF_CHECK(!cache.find_held(1, "k"));
  CAF_CHECK_EQUAL(cache.misses(), 1u); // the fill's own miss only
}

CAF_TEST(a written record is kept in place of the one before) {
  record_cache cache{1 << 20, 1};
  cache.store(1, "k", "v1");
  CAF_CHECK_EQUAL(read(cache, 1, "k"), "v1");
  cache.store(1, "k", "v2-longer");
  CAF_CHECK_EQUAL(read(cache, 1, "k"), "v2-longer");
  CAF_CHECK_EQUAL(cache.entries(), 1u);
  CAF_CHECK_EQUAL(cache.bytes(), cost("k", "v2-longer"));
  // A read that missed before the write fills nothing after it.
  auto found = cache.find(1, "j");
  cache.store(1, "k", "v3");
  cache.fill(1, "j", "read before the write", found.generation);
  CAF_CHECK_EQUAL(read(cache, 1, "j"), "<miss>");
}

CAF_TEST(a full cache replaces a held record and admits a new one rarely) {
  auto each = cost("k1", std::string(100, 'x'));
  record_cache cache{4 * each, 1};
  for (auto key : {"k1", "k2", "k3", "k4"})
    cache.store(1, key, std::string(100, 'x'));
  cache.store(1, "k1", std::string(100, 'y')); // held: replaced, none evicted
  CAF_CHECK_EQUAL(read(cache, 1, "k1"), std::string(100, 'y'));
  CAF_CHECK_EQUAL(cache.entries(), 4u);
  for (uint64_t i = 1; i < record_cache::full_admission; ++i)
    cache.store(1, "k5", std::string(100, 'x'));
  CAF_CHECK_EQUAL(read(cache, 1, "k5"), "<miss>");
  cache.store(1, "k5", std::string(100, 'x'));
  CAF_CHECK_EQUAL(read(cache, 1, "k5").size(), 100u);
  CAF_CHECK_EQUAL(read(cache, 1, "k2"), "<miss>"); // the least recently used
  CAF_CHECK_EQUAL(cache.bytes(), 4 * each);
  // A record too large to keep forgets the one before.
  cache.store(1, "k5", std::string(2 * each, 'z'));
  CAF_CHECK_EQUAL(read(cache, 1, "k5"), "<miss>");
}
