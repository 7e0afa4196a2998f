#pragma once

// Where a key lives. DO NOT CHANGE: the hash defines the placement of every
// stored key; changing it strands all data.
//
// key_hash(key): FNV-1a 64 over the key's bytes (offset basis
// 0xcbf29ce484222325, prime 0x100000001b3), then the MurmurHash3 64-bit
// finalizer (x ^= x >> 33; x *= 0xff51afd7ed558ccd; x ^= x >> 33;
// x *= 0xc4ceb9fe1a85ec53; x ^= x >> 33) so that the high bits, which pick
// the partition, depend on every input bit.
//
// partition_of(hash, q) = hash >> (64 - log2(q)): partition i covers the
// hash range [i * 2^64/q, (i+1) * 2^64/q), clockwise in ring order.

#include <cstdint>
#include <string>

namespace dkv::detail {

uint64_t key_hash(const std::string& key);

/// REQUIRES: q is a power of two, 1 <= q <= 2^31.
uint32_t partition_of(uint64_t hash, uint32_t q);

} // namespace dkv::detail
