#include "actors/detail/merkle_tree.hpp"

#include <algorithm>
#include <cassert>

#include "actors/detail/key_hash.hpp"

namespace dkv::detail {

namespace {

/// MurmurHash64A's word step and MurmurHash3's finalizer: two multiplies per
/// 8 bytes, so hashing a 1 MiB value on every write stays well under a
/// millisecond, while FNV-1a (key_hash) would take one multiply per byte.
class hasher {
public:
  /// `domain` separates object hashes from entry hashes: an entry can never
  /// be mistaken for an object that happens to encode the same words.
  explicit hasher(uint64_t domain) : h_(domain) {}

  void word(uint64_t k) {
    k *= m;
    k ^= k >> 47;
    k *= m;
    h_ ^= k;
    h_ *= m;
  }

  /// Length first, so ("ab", "c") and ("a", "bc") differ.
  void bytes(std::string_view s) {
    word(s.size());
    auto p = s.data();
    auto n = s.size();
    for (; n >= 8; p += 8, n -= 8)
      word(load_le(p, 8));
    if (n > 0)
      word(load_le(p, n));
  }

  uint64_t finish() const {
    auto h = h_;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
  }

private:
  static constexpr uint64_t m = 0xc6a4a7935bd1e995ull;

  /// Little-endian by construction, whatever the host's byte order; GCC
  /// turns the full 8-byte case into one load on x86.
  static uint64_t load_le(const char* p, size_t n) {
    uint64_t x = 0;
    for (size_t i = n; i > 0; --i)
      x = (x << 8) | static_cast<unsigned char>(p[i - 1]);
    return x;
  }

  uint64_t h_;
};

constexpr uint64_t object_domain = 0x646b762d6f626a31ull; // "dkv-obj1"
constexpr uint64_t entry_domain = 0x646b762d656e7431ull;  // "dkv-ent1"

/// 0 means "absent" to the tree; a real hash landing on it (2^-64) is moved.
uint64_t non_zero(uint64_t h) {
  return h != 0 ? h : 1;
}

void add(hasher& h, const version_vector& vv) {
  h.word(vv.entries.size());
  for (auto& e : vv.entries) {
    h.word(e.id);
    h.word(e.counter);
    h.word(e.timestamp_ms);
  }
  h.word(vv.extra.size());
  for (auto& d : vv.extra) {
    h.word(d.id);
    h.word(d.counter);
  }
}

} // namespace

uint64_t object_hash(const object& obj) {
  if (obj.siblings.empty())
    return 0;
  // Every field operator== compares, timestamps included: reconcile picks
  // among same-dot siblings by all of them (see `preferred`), so any
  // difference seen here is one an exchange repairs, while a field left out
  // could keep two replicas different forever unnoticed. Sibling order is
  // canonical (sorted by dot), so hashing in order is hashing the set.
  hasher h{object_domain};
  h.word(obj.siblings.size());
  for (auto& s : obj.siblings) {
    h.word(s.event.id);
    h.word(s.event.counter);
    add(h, s.past);
    h.word(s.tombstone ? 1 : 0);
    h.bytes(s.value);
    h.word(s.timestamp_ms);
  }
  return non_zero(h.finish());
}

uint64_t entry_hash(std::string_view key, uint64_t obj_hash) {
  if (obj_hash == 0)
    return 0;
  // The key is part of the entry so that two keys swapping their objects,
  // or two keys holding equal objects, never cancel out under XOR.
  hasher h{entry_domain};
  h.bytes(key);
  h.word(obj_hash);
  return non_zero(h.finish());
}

uint32_t segment_of(std::string_view key, uint32_t segments) {
  // Modulo rather than a mask: equal for powers of two, and still in range
  // if a caller broke the precondition.
  return segments <= 1 ? 0 : static_cast<uint32_t>(key_hash(key) % segments);
}

// -- merkle_tree --------------------------------------------------------------

merkle_tree::merkle_tree(uint32_t segments, uint32_t fanout)
  : segments_(std::max(segments, 1u)), fanout_(std::max(fanout, 2u)) {
  assert(valid_merkle_shape(segments, fanout));
  // Built from the leaves up, then reversed so that the root is level 0:
  // ids then mean the same on every replica whatever the depth.
  std::vector<uint32_t> widths{segments_};
  while (widths.back() > 1)
    widths.push_back((widths.back() + fanout_ - 1) / fanout_);
  std::reverse(widths.begin(), widths.end());
  for (auto w : widths)
    levels_.emplace_back(w, 0);
}

void merkle_tree::update(std::string_view key, uint64_t old_hash,
                         uint64_t new_hash) {
  if (old_hash == new_hash)
    return;
  auto delta = entry_hash(key, old_hash) ^ entry_hash(key, new_hash);
  auto index = segment(key);
  for (auto level = levels_.size(); level > 0; --level) {
    levels_[level - 1][index] ^= delta;
    index /= fanout_;
  }
  if (old_hash == 0)
    ++keys_;
  else if (new_hash == 0)
    --keys_;
}

void merkle_tree::clear() {
  for (auto& level : levels_)
    std::fill(level.begin(), level.end(), 0);
  keys_ = 0;
}

uint32_t merkle_tree::width(uint32_t level) const {
  return level < levels_.size() ? static_cast<uint32_t>(levels_[level].size())
                                : 0;
}

uint64_t merkle_tree::node(uint32_t level, uint32_t index) const {
  return index < width(level) ? levels_[level][index] : 0;
}

std::vector<uint64_t>
merkle_tree::hashes(uint32_t level, const std::vector<uint32_t>& ids) const {
  std::vector<uint64_t> result;
  result.reserve(ids.size());
  for (auto id : ids)
    result.push_back(node(level, id));
  return result;
}

std::vector<uint32_t>
merkle_tree::children(uint32_t level, const std::vector<uint32_t>& ids) const {
  std::vector<uint32_t> result;
  if (level >= depth())
    return result;
  auto below = width(level + 1);
  for (auto id : ids) {
    if (id >= width(level))
      continue;
    // 64-bit so that a large id times the fan-out cannot wrap.
    auto first = uint64_t{id} * fanout_;
    auto last = std::min<uint64_t>(first + fanout_, below);
    for (auto child = first; child < last; ++child)
      result.push_back(static_cast<uint32_t>(child));
  }
  return result;
}

uint32_t merkle_tree::segment(std::string_view key) const {
  return segment_of(key, segments_);
}

// -- the compare protocol -----------------------------------------------------

std::vector<uint32_t> differing(const merkle_tree& local, uint32_t level,
                                const std::vector<uint32_t>& ids,
                                const std::vector<uint64_t>& remote,
                                size_t* compared) {
  std::vector<uint32_t> result;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto theirs = i < remote.size() ? remote[i] : 0;
    if (local.node(level, ids[i]) != theirs)
      result.push_back(ids[i]);
  }
  if (compared)
    *compared += ids.size();
  return result;
}

std::vector<uint32_t> next_ids(const merkle_tree& local, uint32_t level,
                               const std::vector<uint32_t>& ids,
                               const std::vector<uint64_t>& remote,
                               size_t* compared) {
  auto diff = differing(local, level, ids, remote, compared);
  return level >= local.depth() ? diff : local.children(level, diff);
}

std::vector<uint32_t> differing_segments(const merkle_tree& local,
                                         const merkle_tree& remote,
                                         size_t* compared) {
  assert(same_shape(local, remote));
  std::vector<uint32_t> ids{0};
  for (uint32_t level = 0; !ids.empty(); ++level) {
    auto reply = remote.hashes(level, ids);
    ids = next_ids(local, level, ids, reply, compared);
    if (level == local.depth())
      break;
  }
  // Children come out in the order of their parents, which were ascending
  // from the root down, so the segments already are; sort to keep the
  // promise without relying on that.
  std::sort(ids.begin(), ids.end());
  return ids;
}

// -- segment_filter -----------------------------------------------------------

segment_filter::segment_filter(uint32_t segments,
                               const std::vector<uint32_t>& ids)
  : segments_(segments), member_(segments, false) {
  for (auto id : ids) {
    if (id < segments && !member_[id]) {
      member_[id] = true;
      ++count_;
    }
  }
}

} // namespace dkv::detail
