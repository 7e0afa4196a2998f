#include "actors/detail/key_hash.hpp"

namespace dkv::detail {

uint64_t key_hash(const std::string& key) {
  uint64_t x = 0xcbf29ce484222325ull;
  for (unsigned char c : key) {
    x ^= c;
    x *= 0x100000001b3ull;
  }
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

uint32_t partition_of(uint64_t hash, uint32_t q) {
  if (q <= 1)
    return 0;
  int bits = 0;
  while ((uint32_t{1} << bits) < q)
    ++bits;
  return static_cast<uint32_t>(hash >> (64 - bits));
}

} // namespace dkv::detail
