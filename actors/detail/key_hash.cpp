#include "actors/detail/key_hash.hpp"

namespace dkv::detail {

uint64_t key_hash(std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char byte : key) {
    h ^= byte;
    h *= 0x100000001b3ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

uint32_t partition_of(uint64_t hash, uint32_t q) {
  // Shifting a 64-bit value by 64 is undefined, so Q = 1 is its own case.
  if (q <= 1)
    return 0;
  int bits = 0;
  while ((uint64_t{2} << bits) <= q)
    ++bits;
  return static_cast<uint32_t>(hash >> (64 - bits));
}

} // namespace dkv::detail
