#include "actors/detail/key_hash.hpp"

#include <random>
#include <vector>

#include "caf/test/unit_test.hpp"

using namespace dkv::detail;

// DO NOT CHANGE these vectors: they pin where every stored key lives. They
// were checked against an independent implementation of the documented
// algorithm (FNV-1a 64 + MurmurHash3 fmix64).
CAF_TEST(the key hash is pinned by fixed vectors) {
  CAF_CHECK_EQUAL(key_hash(""), 0xefd01f60ba992926ull);
  CAF_CHECK_EQUAL(key_hash("a"), 0x82a2a958a9bece5bull);
  CAF_CHECK_EQUAL(key_hash("key1"), 0xdde145d7536e77b8ull);
  CAF_CHECK_EQUAL(key_hash("hello world"), 0x7c6d8c019b6ee5d5ull);
  CAF_CHECK_EQUAL(key_hash(std::string("\0\x01\xff", 3)),
                  0xdcc5e5f1667c6ce2ull);
  CAF_CHECK_EQUAL(key_hash(std::string(1024, 'x')), 0xaa923e73b74b0f2eull);
}

CAF_TEST(partitions are the top bits of the hash) {
  CAF_CHECK_EQUAL(partition_of(key_hash("key1"), 64), 55u);
  CAF_CHECK_EQUAL(partition_of(key_hash(""), 64), 59u);
  CAF_CHECK_EQUAL(partition_of(0, 64), 0u);
  CAF_CHECK_EQUAL(partition_of(~uint64_t{0}, 64), 63u);
  CAF_CHECK_EQUAL(partition_of(uint64_t{1} << 63, 8), 4u);
  CAF_CHECK_EQUAL(partition_of(~uint64_t{0}, 1024), 1023u);
  CAF_CHECK_EQUAL(partition_of(12345, 1), 0u);
}

CAF_TEST(keys spread evenly over the partitions) {
  std::mt19937_64 rng{2024};
  std::vector<size_t> counts(64, 0);
  const size_t keys = 100000;
  for (size_t i = 0; i < keys; ++i) {
    std::string key(8 + rng() % 24, ' ');
    for (auto& c : key)
      c = static_cast<char>(rng());
    ++counts[partition_of(key_hash(key), 64)];
  }
  auto mean = static_cast<double>(keys) / 64;
  for (auto c : counts) {
    CAF_CHECK_GREATER(static_cast<double>(c), mean * 0.85);
    CAF_CHECK_LESS(static_cast<double>(c), mean * 1.15);
  }
  // Sequential keys (user:1, user:2, ...) spread as well.
  std::vector<size_t> seq(64, 0);
  for (size_t i = 0; i < keys; ++i)
    ++seq[partition_of(key_hash("user:" + std::to_string(i)), 64)];
  for (auto c : seq) {
    CAF_CHECK_GREATER(static_cast<double>(c), mean * 0.85);
    CAF_CHECK_LESS(static_cast<double>(c), mean * 1.15);
  }
}
