#pragma once

// Durable hints (paper §4.6): "this node holds key K of partition P for
// OWNER". The objects themselves live in the node's copy of the partition;
// a hint only records whom to hand them to. Hints are records of a reserved
// partition (FORMAT.md), so they survive restarts like any data.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "storage/storage_engine.hpp"

namespace dkv::storage {

/// The reserved partition holding hints; outside any ring (Q <= 4096).
/// DO NOT CHANGE: persisted.
constexpr partition_id hints_partition = 0xFFFFFFFEu;

struct hint {
  std::string owner;
  partition_id partition = 0;
  std::string key;
};

class hint_store {
public:
  explicit hint_store(storage_engine& engine);

  /// Opens the hints partition; call once before anything else.
  status open();

  /// Records (durably, per the engine's durability) a hint. Idempotent.
  status add(const hint& h);

  /// Removes a hint; ok if it was absent.
  status remove(const hint& h);

  /// Up to `limit` hints for `owner`, in key order.
  status pending(const std::string& owner, size_t limit,
                 std::vector<hint>& out);

  /// Number of hints per owner.
  status counts(std::map<std::string, uint64_t>& out);

  /// Number of hints (for any owner) of partition `p`.
  status count_partition(partition_id p, uint64_t& out);

private:
  storage_engine& engine_;
};

/// Record key of a hint: owner, a NUL, the partition (4 bytes, big endian)
/// and the key. Node names never contain NUL.
std::string hint_key(const hint& h);

/// Inverse of hint_key; false for malformed bytes.
bool parse_hint_key(const std::string& bytes, hint& out);

} // namespace dkv::storage
