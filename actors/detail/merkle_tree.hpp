#pragma once

// The hash tree of one partition for anti-entropy (paper §4.7). Pure logic:
// no actors, no I/O.
//
// Shape: `segments` leaves (a power of two) grouped `fanout` at a time into
// inner levels up to one root. Level 0 is the root, level depth() the leaves;
// node i of level l has children [i * fanout, (i + 1) * fanout) of level
// l + 1 (fewer under the root when segments is not a power of fanout: 1024
// segments with fan-out 16 give levels of 1, 4, 64 and 1024 nodes). Two
// replicas' trees are comparable iff their shapes are equal.
//
// Hashes ("tictac" tree, as in Riak's kv_index_tictactree): every key
// contributes entry_hash(key, object_hash) and every node's hash is the XOR
// of the entries beneath it. XOR is its own inverse and order-free, so a
// write updates one leaf and its ancestors in O(depth), trees built in any
// order agree, and an empty subtree hashes to 0. Nothing is ever rebuilt per
// exchange.
//
// Exchange (the initiator A, the peer B; each only reads its own tree):
//   A: level = 0, ids = {0} (the root)
//   repeat: B replies hashes(level, ids)
//           A: next = next_ids(tree, level, ids, reply)
//              next empty          -> in sync, done
//              level == depth()    -> next are the differing segments, done
//              else ids = next, level += 1
//   then both fold their store through a segment_filter of those segments
//   and exchange the objects, merging them by causality (reconcile).
// The cost is about (differences * fanout * depth) hashes, independent of the
// number of keys.
//
// DO NOT CHANGE object_hash, entry_hash or segment_of without a protocol
// version: nodes of different versions would see every key as different.
// tests/actors/detail/merkle_tree.cpp pins them with fixed vectors.
//
// hash(domain, words w[0..n)), arithmetic mod 2^64, M = 0xc6a4a7935bd1e995
// (MurmurHash64A's word step, then MurmurHash3's fmix64 as in key_hash):
//   h = domain; for each w: w *= M; w ^= w >> 47; w *= M; h ^= w; h *= M;
//   h = fmix64(h); a result of 0 becomes 1 (0 means "absent").
// A string contributes its length, then its bytes as 8-byte little-endian
// words, the last one zero-padded. A flag contributes 0 or 1.
// object_hash: domain 0x646b762d6f626a31 ("dkv-obj1"); words: the number of
//   siblings, then per sibling: dot id, dot counter, the number of past
//   entries, each entry's id, counter, timestamp_ms, the number of extra
//   dots, each one's id and counter, tombstone, value (a string),
//   timestamp_ms.
// entry_hash: domain 0x646b762d656e7431 ("dkv-ent1"); words: the key (a
//   string), the object hash.
// segment_of(key, segments) = key_hash(key) mod segments.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "messages/object.hpp"

namespace dkv::detail {

/// A stable 64-bit hash of everything `operator==` compares in an object's
/// siblings (dots, pasts with their timestamps, tombstone flags, values,
/// timestamps), in sibling order, over a fixed little-endian encoding. Not
/// the key: entry_hash adds it. Returns 0 ("absent") iff `obj` has no
/// siblings (not found); never 0 otherwise.
uint64_t object_hash(const object& obj);

/// The contribution of one key to its segment. 0 iff `obj_hash` is 0.
uint64_t entry_hash(std::string_view key, uint64_t obj_hash);

/// The segment of `key` among `segments`: the low bits of key_hash. The top
/// bits choose the partition (partition_of), so they are equal for every key
/// of a tree and would put them all in one segment.
/// REQUIRES: `segments` is a power of two.
uint32_t segment_of(std::string_view key, uint32_t segments);

/// Default shape: 1024 segments keep a segment at ~100 keys for 100k keys
/// per partition (a difference refetches one segment's keys), and fan-out 16
/// keeps replies small (16 hashes per differing node) with depth 3.
constexpr uint32_t default_merkle_segments = 1024;
constexpr uint32_t default_merkle_fanout = 16;

/// Bounds: 2^20 segments are 8 MiB of leaves per partition; a fan-out above
/// 256 makes each reply larger than the subtree it saves.
constexpr uint32_t max_merkle_segments = 1u << 20;
constexpr uint32_t max_merkle_fanout = 256;

/// True iff `segments` is a power of two in [1, max_merkle_segments] and
/// `fanout` a power of two in [2, max_merkle_fanout].
constexpr bool valid_merkle_shape(uint32_t segments, uint32_t fanout) {
  return segments >= 1 && segments <= max_merkle_segments
         && (segments & (segments - 1)) == 0 && fanout >= 2
         && fanout <= max_merkle_fanout && (fanout & (fanout - 1)) == 0;
}

class merkle_tree {
public:
  /// REQUIRES: valid_merkle_shape(segments, fanout) (a configuration error
  /// to report before constructing a tree).
  explicit merkle_tree(uint32_t segments = default_merkle_segments,
                       uint32_t fanout = default_merkle_fanout);

  // -- writes ----------------------------------------------------------------

  /// Records that `key` changed from the object hashed `old_hash` to the one
  /// hashed `new_hash` (0 = absent on either side). O(depth).
  /// REQUIRES: `old_hash` is the hash last recorded for `key` (0 if none);
  /// otherwise the tree disagrees with the store until rebuilt from a fold.
  void update(std::string_view key, uint64_t old_hash, uint64_t new_hash);

  /// Adds a key absent so far (building from a fold).
  void insert(std::string_view key, uint64_t obj_hash) {
    update(key, 0, obj_hash);
  }
  void insert(const object& obj) { update(obj.key, 0, object_hash(obj)); }

  /// Forgets every key; the shape stays.
  void clear();

  // -- reads -----------------------------------------------------------------

  uint32_t segments() const { return segments_; }
  uint32_t fanout() const { return fanout_; }

  /// The level of the leaves (0 for a single-segment tree).
  uint32_t depth() const { return static_cast<uint32_t>(levels_.size() - 1); }

  /// Number of nodes at `level`; 0 beyond the leaves.
  uint32_t width(uint32_t level) const;

  /// Number of keys with a non-zero hash.
  size_t size() const { return keys_; }

  uint64_t root() const { return levels_[0][0]; }

  /// The hash of node `index` at `level`; 0 (empty) for a node that does not
  /// exist, so a peer's bogus id reads as an empty subtree.
  uint64_t node(uint32_t level, uint32_t index) const;

  /// node(level, id) for each of `ids`, in order: B's reply in an exchange.
  std::vector<uint64_t> hashes(uint32_t level,
                               const std::vector<uint32_t>& ids) const;

  /// The ids at `level + 1` of the children of `ids` (nodes at `level`), in
  /// the order of `ids`; empty at the leaves. Ids that do not exist have no
  /// children.
  std::vector<uint32_t> children(uint32_t level,
                                 const std::vector<uint32_t>& ids) const;

  /// segment_of(key, segments()).
  uint32_t segment(std::string_view key) const;

  friend bool same_shape(const merkle_tree& x, const merkle_tree& y) {
    return x.segments_ == y.segments_ && x.fanout_ == y.fanout_;
  }

private:
  uint32_t segments_;
  uint32_t fanout_;
  size_t keys_ = 0;
  /// levels_[0] = {root}, levels_.back() = the segments.
  std::vector<std::vector<uint64_t>> levels_;
};

// -- the compare protocol ----------------------------------------------------

/// The ids among `ids` (nodes at `level`) whose local hash differs from the
/// peer's `remote` hash at the same position. A position the reply lacks
/// compares against 0 (empty), so a short reply errs towards repairing more,
/// never less. Adds the number of hashes compared to `*compared` if given.
std::vector<uint32_t> differing(const merkle_tree& local, uint32_t level,
                                const std::vector<uint32_t>& ids,
                                const std::vector<uint64_t>& remote,
                                size_t* compared = nullptr);

/// One step of the initiator: the ids at `level + 1` to ask for next (the
/// children of the differing nodes), or at the leaf level the differing
/// segments themselves. Empty iff nothing among `ids` differs.
std::vector<uint32_t> next_ids(const merkle_tree& local, uint32_t level,
                               const std::vector<uint32_t>& ids,
                               const std::vector<uint64_t>& remote,
                               size_t* compared = nullptr);

/// Runs the whole exchange between two trees in one process (tests and the
/// simulation; the actors run it step by step over messages). Returns the
/// differing segments in ascending order.
/// REQUIRES: same_shape(local, remote).
std::vector<uint32_t> differing_segments(const merkle_tree& local,
                                         const merkle_tree& remote,
                                         size_t* compared = nullptr);

/// Which keys a repair fold must send: those in a given set of segments.
/// A bitmap, so the test per folded key is O(1).
class segment_filter {
public:
  /// Ids at or beyond `segments` are ignored.
  segment_filter(uint32_t segments, const std::vector<uint32_t>& ids);

  bool contains_segment(uint32_t id) const {
    return id < member_.size() && member_[id];
  }

  bool contains(std::string_view key) const {
    return contains_segment(segment_of(key, segments_));
  }

  bool empty() const { return count_ == 0; }

private:
  uint32_t segments_;
  size_t count_ = 0;
  std::vector<bool> member_;
};

} // namespace dkv::detail
