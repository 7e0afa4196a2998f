#include "actors/detail/merkle_tree.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "caf/test/unit_test.hpp"

#include "actors/detail/key_hash.hpp"

using namespace dkv;
using namespace dkv::detail;

namespace {

sibling make_sibling(replica_id id, uint64_t counter, std::string value) {
  sibling s;
  s.event = dot{id, counter};
  s.past.entries.push_back(clock_entry{7, 3, 1000});
  s.value = std::move(value);
  s.timestamp_ms = 2000;
  return s;
}

object two_siblings() {
  object obj;
  obj.key = "k";
  obj.siblings.push_back(make_sibling(1, 4, "left"));
  obj.siblings.push_back(make_sibling(2, 9, "right"));
  return obj;
}

std::string key_of(size_t i) {
  return "key-" + std::to_string(i);
}

/// A non-zero stand-in for an object hash: the tree only sees numbers.
uint64_t version_of(size_t i, uint64_t generation = 0) {
  return ((i + 1) * 0x9e3779b97f4a7c15ull) ^ (generation << 1) ^ 1;
}

merkle_tree build(size_t keys) {
  merkle_tree t;
  for (size_t i = 0; i < keys; ++i)
    t.insert(key_of(i), version_of(i));
  return t;
}

std::vector<uint32_t> segments_of(const merkle_tree& t,
                                  const std::vector<std::string>& keys) {
  std::set<uint32_t> ids;
  for (auto& k : keys)
    ids.insert(t.segment(k));
  return {ids.begin(), ids.end()};
}

/// Changes `k` keys of a copy of `base` and returns the number of hashes the
/// exchange compared; checks that it finds exactly the changed segments.
size_t compare_cost(const merkle_tree& base, size_t k) {
  auto changed = base;
  std::vector<std::string> keys;
  for (size_t j = 0; j < k; ++j) {
    auto i = j * 997; // spread over the key space, below 100,000
    keys.push_back(key_of(i));
    changed.update(keys.back(), version_of(i), version_of(i, 1));
  }
  size_t compared = 0;
  auto diff = differing_segments(base, changed, &compared);
  auto expected = segments_of(base, keys);
  CAF_CHECK_EQUAL(diff, expected);
  return compared;
}

} // namespace

// DO NOT CHANGE these vectors: every node must hash alike, or each exchange
// finds every key different. They come from an independent implementation
// of the encoding documented in merkle_tree.hpp (a few lines of Python).
CAF_TEST(the hashes are pinned by fixed vectors) {
  auto two = object_hash(two_siblings());
  CAF_CHECK_EQUAL(two, 0xc70be59762dfd39aull);
  object tomb;
  sibling t;
  t.event = dot{3, 1};
  t.past.extra.push_back(dot{3, 5});
  t.tombstone = true;
  tomb.siblings.push_back(t);
  CAF_CHECK_EQUAL(object_hash(tomb), 0x47ca76b6256766fdull);
  // Extreme numbers and a value of 1027 bytes (a partial last word).
  object big;
  sibling s;
  s.event = dot{~uint64_t{0}, uint64_t{1} << 62};
  s.past.entries = {clock_entry{1, 2, 3}, clock_entry{4, 5, 6}};
  s.past.extra = {dot{4, 7}};
  for (int round = 0; round < 4; ++round)
    for (int c = 0; c < 256; ++c)
      s.value.push_back(static_cast<char>(c));
  s.value += "\x01\x02\x03";
  s.timestamp_ms = 1700000000000;
  big.siblings.push_back(s);
  CAF_CHECK_EQUAL(object_hash(big), 0x46b6f4af8cd1eaafull);
  CAF_CHECK_EQUAL(entry_hash("k", 42), 0xa450939d2e004e47ull);
  CAF_CHECK_EQUAL(entry_hash("", 1), 0xdced92c1cfc19b81ull);
  CAF_CHECK_EQUAL(entry_hash("user:42", two), 0x514c6fa7438fdbbaull);
  CAF_CHECK_EQUAL(entry_hash("k", 0), 0u);
  // Segments: the low bits of key_hash (pinned in key_hash.cpp's tests).
  CAF_CHECK_EQUAL(segment_of("key1", 1024), 952u);
  CAF_CHECK_EQUAL(segment_of("user:42", 1024), 584u);
  CAF_CHECK_EQUAL(segment_of("user:42", 65536), 33352u);
  CAF_CHECK_EQUAL(segment_of("key1", 1), 0u);
  merkle_tree tree;
  tree.insert("a", 1);
  tree.insert("b", 2);
  tree.insert("c", 3);
  CAF_CHECK_EQUAL(tree.root(), 0xba6cf7b35f90a95cull);
}

CAF_TEST(object hashes are equal for equal objects) {
  auto x = two_siblings();
  auto y = two_siblings();
  auto hx = object_hash(x);
  CAF_CHECK_NOT_EQUAL(hx, 0u);
  CAF_CHECK_EQUAL(hx, object_hash(y));
  // The key is the entry's business, not the object's.
  y.key = "other";
  CAF_CHECK_EQUAL(hx, object_hash(y));
  // No siblings: not found, the reserved "absent".
  object none;
  none.key = "k";
  CAF_CHECK_EQUAL(object_hash(none), 0u);
}

CAF_TEST(object hashes differ when any version differs) {
  auto base = two_siblings();
  auto h = object_hash(base);
  std::vector<object> variants;
  auto vary = [&](auto change) {
    auto obj = base;
    change(obj);
    variants.push_back(obj);
  };
  vary([](object& o) { o.siblings.pop_back(); });
  vary([](object& o) { o.siblings.push_back(make_sibling(3, 1, "third")); });
  vary([](object& o) { o.siblings[0].event.id = 5; });
  vary([](object& o) { o.siblings[0].event.counter = 5; });
  vary([](object& o) { o.siblings[1].tombstone = true; });
  vary([](object& o) { o.siblings[1].value = "rights"; });
  vary([](object& o) { o.siblings[1].value.clear(); });
  vary([](object& o) { o.siblings[0].past.entries[0].counter = 4; });
  vary([](object& o) { o.siblings[0].past.entries[0].timestamp_ms = 1; });
  vary([](object& o) { o.siblings[0].past.extra.push_back(dot{7, 5}); });
  vary([](object& o) { o.siblings[0].past.entries.clear(); });
  vary([](object& o) { o.siblings[0].timestamp_ms = 1; });
  // Moving bytes between fields must not cancel out.
  vary([](object& o) {
    o.siblings[0].value = "leftr";
    o.siblings[1].value = "ight";
  });
  std::set<uint64_t> seen{h};
  for (auto& v : variants) {
    auto hv = object_hash(v);
    CAF_CHECK_NOT_EQUAL(hv, h);
    seen.insert(hv);
  }
  // Pairwise distinct, too.
  CAF_CHECK_EQUAL(seen.size(), variants.size() + 1);
}

CAF_TEST(the default shape has levels of 1 then 4 then 64 then 1024 nodes) {
  merkle_tree t;
  CAF_CHECK_EQUAL(t.depth(), 3u);
  CAF_CHECK_EQUAL(t.width(0), 1u);
  CAF_CHECK_EQUAL(t.width(1), 4u);
  CAF_CHECK_EQUAL(t.width(2), 64u);
  CAF_CHECK_EQUAL(t.width(3), 1024u);
  CAF_CHECK_EQUAL(t.width(4), 0u);
  CAF_CHECK_EQUAL(t.root(), 0u);
  auto under_root = t.children(0, {0});
  CAF_CHECK_EQUAL(under_root, std::vector<uint32_t>({0, 1, 2, 3}));
  auto under_two = t.children(2, {1, 63});
  CAF_CHECK_EQUAL(under_two.size(), 32u);
  CAF_CHECK_EQUAL(under_two.front(), 16u);
  CAF_CHECK_EQUAL(under_two.back(), 1023u);
  auto below_leaves = t.children(3, {0});
  CAF_CHECK(below_leaves.empty());
  merkle_tree single{1, 16};
  CAF_CHECK_EQUAL(single.depth(), 0u);
  CAF_CHECK(valid_merkle_shape(1024, 16));
  CAF_CHECK(!valid_merkle_shape(1000, 16));
  CAF_CHECK(!valid_merkle_shape(1024, 1));
  CAF_CHECK(!valid_merkle_shape(1024, 12));
  CAF_CHECK(!valid_merkle_shape(0, 16));
}

CAF_TEST(trees built in different orders are equal) {
  std::vector<size_t> order(5000);
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  merkle_tree x;
  for (auto i : order)
    x.insert(key_of(i), version_of(i));
  std::mt19937_64 rng{42};
  std::shuffle(order.begin(), order.end(), rng);
  merkle_tree y;
  for (auto i : order)
    y.insert(key_of(i), version_of(i));
  CAF_CHECK_NOT_EQUAL(x.root(), 0u);
  CAF_CHECK_EQUAL(x.root(), y.root());
  CAF_CHECK_EQUAL(x.size(), 5000u);
  CAF_CHECK_EQUAL(y.size(), 5000u);
  size_t compared = 0;
  auto diff = differing_segments(x, y, &compared);
  CAF_CHECK(diff.empty());
  // Equal roots end the exchange at once.
  CAF_CHECK_EQUAL(compared, 1u);
}

CAF_TEST(one changed added or removed key yields exactly its segment) {
  auto base = build(5000);
  auto key = key_of(1234);
  auto seg = base.segment(key);
  std::vector<uint32_t> just_it{seg};
  auto changed = base;
  changed.update(key, version_of(1234), version_of(1234, 1));
  auto diff = differing_segments(base, changed);
  CAF_CHECK_EQUAL(diff, just_it);
  CAF_CHECK_EQUAL(changed.size(), 5000u);
  auto removed = base;
  removed.update(key, version_of(1234), 0);
  diff = differing_segments(base, removed);
  CAF_CHECK_EQUAL(diff, just_it);
  CAF_CHECK_EQUAL(removed.size(), 4999u);
  auto added = base;
  added.insert("new key", 77);
  std::vector<uint32_t> new_seg{added.segment("new key")};
  diff = differing_segments(base, added);
  CAF_CHECK_EQUAL(diff, new_seg);
  CAF_CHECK_EQUAL(added.size(), 5001u);
  // Either side may initiate.
  diff = differing_segments(added, base);
  CAF_CHECK_EQUAL(diff, new_seg);
}

CAF_TEST(an update and its inverse restore the root) {
  auto t = build(1000);
  auto before = t.root();
  auto seg = t.segment("k");
  auto leaf_before = t.node(t.depth(), seg);
  auto h1 = object_hash(two_siblings());
  t.update("k", 0, h1);
  CAF_CHECK_NOT_EQUAL(t.root(), before);
  CAF_CHECK_NOT_EQUAL(t.node(t.depth(), seg), leaf_before);
  t.update("k", h1, 0);
  CAF_CHECK_EQUAL(t.root(), before);
  CAF_CHECK_EQUAL(t.node(t.depth(), seg), leaf_before);
  auto h0 = version_of(10);
  t.update(key_of(10), h0, h1);
  t.update(key_of(10), h1, h0);
  CAF_CHECK_EQUAL(t.root(), before);
  CAF_CHECK_EQUAL(t.size(), 1000u);
  // An unchanged object is no change at all.
  t.update(key_of(10), h0, h0);
  CAF_CHECK_EQUAL(t.root(), before);
  // Removing every key empties the tree; clear() does it at once.
  auto copy = t;
  for (size_t i = 0; i < 1000; ++i)
    t.update(key_of(i), version_of(i), 0);
  CAF_CHECK_EQUAL(t.root(), 0u);
  CAF_CHECK_EQUAL(t.size(), 0u);
  copy.clear();
  CAF_CHECK_EQUAL(copy.root(), 0u);
  CAF_CHECK_EQUAL(copy.size(), 0u);
  CAF_CHECK_EQUAL(copy.node(3, seg), 0u);
}

CAF_TEST(inner hashes combine their children) {
  auto t = build(3000);
  for (uint32_t level = 0; level < t.depth(); ++level) {
    for (uint32_t i = 0; i < t.width(level); ++i) {
      uint64_t x = 0;
      std::vector<uint32_t> ids{i};
      for (auto h : t.hashes(level + 1, t.children(level, ids)))
        x ^= h;
      if (x != t.node(level, i))
        CAF_FAIL("node " << i << " of level " << level << " is stale");
    }
  }
}

CAF_TEST(compare cost grows with differences not keys) {
  // Measured: 1 (root) + 4 (level 1) + 16 per differing node of levels 1
  // and 2; at most k * fanout * depth, and the same for 10x the keys.
  auto small = build(100000);
  auto large = build(1000000);
  merkle_tree shape;
  auto per_difference = size_t{shape.fanout()} * shape.depth();
  for (size_t k : {1, 10, 100}) {
    auto in_small = compare_cost(small, k);
    auto in_large = compare_cost(large, k);
    CAF_MESSAGE(k << " differences: " << in_small << " hashes compared among "
                  << "100,000 keys, " << in_large << " among 1,000,000");
    CAF_CHECK_LESS_OR_EQUAL(in_small, 1 + k * per_difference);
    CAF_CHECK_EQUAL(in_large, in_small);
  }
  // One difference costs no more than one path with its siblings.
  auto one = compare_cost(small, 1);
  CAF_CHECK_EQUAL(one, 1u + 4u + 16u + 16u);
}

CAF_TEST(segments split the keys of one partition) {
  // All keys of a partition share the top bits of their hash; segments must
  // still spread them, or one segment would hold the whole partition.
  merkle_tree t;
  std::vector<size_t> per_segment(t.segments());
  size_t in_partition = 0;
  for (size_t i = 0; i < 200000; ++i) {
    auto key = key_of(i);
    if (partition_of(key_hash(key), 64) != 5)
      continue;
    ++in_partition;
    ++per_segment[t.segment(key)];
  }
  auto used = std::count_if(per_segment.begin(), per_segment.end(),
                            [](size_t n) { return n > 0; });
  CAF_MESSAGE(in_partition << " keys of partition 5 use " << used
                           << " of 1024 segments");
  CAF_CHECK_GREATER(in_partition, 2500u);
  CAF_CHECK_GREATER(used, 900);
}

CAF_TEST(a segment filter selects exactly the keys of its segments) {
  merkle_tree t;
  std::vector<uint32_t> wanted{3, 500, 1023, 5000}; // 5000: out of range
  segment_filter f{t.segments(), wanted};
  CAF_CHECK(!f.empty());
  CAF_CHECK(f.contains_segment(500));
  CAF_CHECK(!f.contains_segment(501));
  CAF_CHECK(!f.contains_segment(5000));
  size_t hits = 0;
  for (size_t i = 0; i < 20000; ++i) {
    auto key = key_of(i);
    auto seg = t.segment(key);
    bool expected = seg == 3 || seg == 500 || seg == 1023;
    if (f.contains(key) != expected)
      CAF_FAIL("key " << key << " in segment " << seg);
    hits += expected ? 1 : 0;
  }
  CAF_CHECK_GREATER(hits, 0u);
  segment_filter none{t.segments(), {}};
  CAF_CHECK(none.empty());
  CAF_CHECK(!none.contains("key-1"));
}

CAF_TEST(the protocol runs step by step and survives bad replies) {
  auto a = build(2000);
  auto b = a;
  b.insert("extra", 5);
  auto target = a.segment("extra");
  // The initiator's loop as an actor would run it, one reply per level.
  std::vector<uint32_t> ids{0};
  uint32_t level = 0;
  for (; level < a.depth(); ++level) {
    auto reply = b.hashes(level, ids);
    ids = next_ids(a, level, ids, reply);
    // The root has 4 children, every other differing node 16.
    size_t expected = level == 0 ? a.width(1) : a.fanout();
    CAF_CHECK_EQUAL(ids.size(), expected);
  }
  auto leaves = next_ids(a, level, ids, b.hashes(level, ids));
  std::vector<uint32_t> just_target{target};
  CAF_CHECK_EQUAL(leaves, just_target);
  // A short reply compares as empty subtrees: more repair, never less.
  std::vector<uint32_t> two{0, 1};
  std::vector<uint64_t> short_reply{a.node(1, 0)};
  auto diff = differing(a, 1, two, short_reply);
  std::vector<uint32_t> second{1};
  CAF_CHECK_EQUAL(diff, second);
  // Ids that do not exist read as empty and have no children.
  CAF_CHECK_EQUAL(a.node(1, 99), 0u);
  CAF_CHECK_EQUAL(a.node(9, 0), 0u);
  auto bogus = a.children(1, {99});
  CAF_CHECK(bogus.empty());
}
