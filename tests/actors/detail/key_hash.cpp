#include "actors/detail/key_hash.hpp"

#include <bitset>
#include <random>
#include <string>
#include <vector>

#include "caf/test/unit_test.hpp"

using namespace dkv::detail;

namespace {

std::string bytes_0_to_255_four_times() {
  std::string result;
  for (int round = 0; round < 4; ++round)
    for (int b = 0; b < 256; ++b)
      result.push_back(static_cast<char>(b));
  return result;
}

std::string random_key(std::mt19937_64& rng) {
  std::string key(1 + rng() % 40, ' ');
  for (auto& c : key)
    c = static_cast<char>(rng());
  return key;
}

/// Every count within +-15% of the mean.
void check_even(const std::vector<size_t>& counts, size_t keys) {
  auto mean = static_cast<double>(keys) / counts.size();
  for (size_t p = 0; p < counts.size(); ++p)
    if (counts[p] < mean * 0.85 || counts[p] > mean * 1.15)
      CAF_FAIL("partition " << p << " got " << counts[p] << " keys, mean "
                            << mean);
}

} // namespace

// DO NOT CHANGE these vectors: they pin where every stored key lives, on
// every node, forever. They come from an independent implementation of the
// algorithm documented in key_hash.hpp (a few lines of Python).
CAF_TEST(the key hash is pinned by fixed vectors) {
  CAF_CHECK_EQUAL(key_hash(""), 0xefd01f60ba992926ull);
  CAF_CHECK_EQUAL(key_hash("a"), 0x82a2a958a9bece5bull);
  CAF_CHECK_EQUAL(key_hash("key1"), 0xdde145d7536e77b8ull);
  CAF_CHECK_EQUAL(key_hash("hello world"), 0x7c6d8c019b6ee5d5ull);
  CAF_CHECK_EQUAL(key_hash("user:42"), 0x998817bee6718248ull);
  // Binary keys: NUL bytes count, high bytes are unsigned.
  CAF_CHECK_EQUAL(key_hash(std::string(1, '\0')), 0xb9034ad37056f5fbull);
  CAF_CHECK_EQUAL(key_hash(std::string(2, '\0')), 0xdb01c3104e99566dull);
  CAF_CHECK_EQUAL(key_hash(std::string("\0\x01\xff", 3)),
                  0xdcc5e5f1667c6ce2ull);
  CAF_CHECK_EQUAL(key_hash("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"), // UTF-8
                  0x590520d718275ed5ull);
  // The longest keys (1 KiB).
  CAF_CHECK_EQUAL(key_hash(std::string(1024, 'x')), 0xaa923e73b74b0f2eull);
  CAF_CHECK_EQUAL(key_hash(bytes_0_to_255_four_times()), 0xd7108d3b43b5e94aull);
}

CAF_TEST(partitions are the top bits of the hash) {
  CAF_CHECK_EQUAL(partition_of(key_hash(""), 8), 7u);
  CAF_CHECK_EQUAL(partition_of(key_hash(""), 64), 59u);
  CAF_CHECK_EQUAL(partition_of(key_hash(""), 1024), 959u);
  CAF_CHECK_EQUAL(partition_of(key_hash(""), 4096), 3837u);
  CAF_CHECK_EQUAL(partition_of(key_hash("key1"), 64), 55u);
  CAF_CHECK_EQUAL(partition_of(key_hash("hello world"), 1024), 497u);
  CAF_CHECK_EQUAL(partition_of(key_hash(std::string("\0\x01\xff", 3)), 4096),
                  3532u);
  // Partition i covers [i * 2^64/Q, (i+1) * 2^64/Q).
  CAF_CHECK_EQUAL(partition_of(0, 64), 0u);
  CAF_CHECK_EQUAL(partition_of((uint64_t{1} << 58) - 1, 64), 0u);
  CAF_CHECK_EQUAL(partition_of(uint64_t{1} << 58, 64), 1u);
  CAF_CHECK_EQUAL(partition_of(~uint64_t{0}, 64), 63u);
  CAF_CHECK_EQUAL(partition_of(uint64_t{1} << 63, 8), 4u);
  CAF_CHECK_EQUAL(partition_of(~uint64_t{0}, max_partitions),
                  max_partitions - 1);
  CAF_CHECK_EQUAL(partition_of(~uint64_t{0}, 1), 0u);
  CAF_CHECK_EQUAL(partition_of(~uint64_t{0}, 2), 1u);
  // Doubling Q splits every partition in two: p becomes 2p or 2p + 1.
  std::mt19937_64 rng{7};
  for (int i = 0; i < 1000; ++i) {
    auto h = rng();
    for (uint32_t q = 1; q < max_partitions; q *= 2)
      CAF_REQUIRE_EQUAL(partition_of(h, 2 * q) / 2, partition_of(h, q));
  }
}

CAF_TEST(valid partition counts are powers of two up to the maximum) {
  for (uint32_t q = 1; q <= max_partitions; q *= 2)
    CAF_CHECK(valid_partition_count(q));
  for (uint32_t q : {0u, 3u, 6u, 12u, 100u, 1000u, 65535u, 131072u})
    CAF_CHECK(!valid_partition_count(q));
}

CAF_TEST(keys spread evenly over the partitions) {
  constexpr size_t keys = 100000;
  std::mt19937_64 rng{2024};
  std::vector<size_t> counts(64, 0);
  for (size_t i = 0; i < keys; ++i)
    ++counts[partition_of(key_hash(random_key(rng)), 64)];
  check_even(counts, keys);
  // Keys that differ only in their last bytes (user:1, user:2, ...): FNV-1a
  // alone would leave them in the low bits, the finalizer moves them up.
  std::vector<size_t> sequential(64, 0);
  for (size_t i = 0; i < keys; ++i)
    ++sequential[partition_of(key_hash("user:" + std::to_string(i)), 64)];
  check_even(sequential, keys);
}

CAF_TEST(flipping one input bit flips about half of the output bits) {
  std::mt19937_64 rng{99};
  size_t flipped = 0;
  size_t trials = 0;
  std::vector<size_t> top_changed(6, 0); // the bits that pick 1 of 64
  for (int i = 0; i < 500; ++i) {
    auto key = random_key(rng);
    auto h = key_hash(key);
    for (size_t bit = 0; bit < key.size() * 8; ++bit) {
      auto other = key;
      other[bit / 8] = static_cast<char>(other[bit / 8] ^ (1 << (bit % 8)));
      auto diff = h ^ key_hash(other);
      flipped += std::bitset<64>(diff).count();
      for (int b = 0; b < 6; ++b)
        top_changed[b] += (diff >> (63 - b)) & 1;
      ++trials;
    }
  }
  auto mean = static_cast<double>(flipped) / trials;
  CAF_CHECK_GREATER(mean, 31.0);
  CAF_CHECK_LESS(mean, 33.0);
  for (auto c : top_changed) {
    CAF_CHECK_GREATER(static_cast<double>(c) / trials, 0.45);
    CAF_CHECK_LESS(static_cast<double>(c) / trials, 0.55);
  }
}
