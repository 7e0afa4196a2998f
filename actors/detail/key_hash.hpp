#pragma once

// Where a key lives (paper §4.2). DO NOT CHANGE: the hash defines the
// partition of every stored key, forever; changing it strands all data.
// tests/actors/detail/key_hash.cpp pins it with fixed vectors.
//
// key_hash(key), over the key's bytes b[0..len) (no length prefix, no
// terminator; the empty key is allowed):
//   1. FNV-1a 64: h = 0xcbf29ce484222325; for each byte: h ^= b[i];
//      h *= 0x100000001b3 (mod 2^64).
//   2. MurmurHash3's 64-bit finalizer (fmix64): h ^= h >> 33;
//      h *= 0xff51afd7ed558ccd; h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53;
//      h ^= h >> 33.
// FNV-1a alone mixes the last bytes only into the low bits; the finalizer
// makes every output bit, in particular the high bits that select the
// partition, depend on every input bit.
//
// partition_of(hash, Q) = hash >> (64 - log2(Q)), the top log2(Q) bits:
// partition i covers the hash range [i * 2^64 / Q, (i + 1) * 2^64 / Q), and
// partitions follow each other clockwise in ring order.

#include <cstdint>
#include <string_view>

namespace dkv::detail {

/// Largest supported Q: owner lists and per-partition actors stay small.
constexpr uint32_t max_partitions = 65536;

/// True iff `q` is a power of two in [1, max_partitions].
constexpr bool valid_partition_count(uint32_t q) {
  return q >= 1 && q <= max_partitions && (q & (q - 1)) == 0;
}

uint64_t key_hash(std::string_view key);

/// The partition of a key hash. REQUIRES: valid_partition_count(q).
uint32_t partition_of(uint64_t hash, uint32_t q);

} // namespace dkv::detail
