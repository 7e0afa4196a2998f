#pragma once

// Partition transfer between nodes (paper §4.9; actors/partition_transfer.hpp).
// The source of a partition in a ring transition streams it to each node
// that gains it; all messages go to the target's published actor.
//
//   transfer_offer_v1 -> transfer_accept_v1   may I send partition p of
//                                             transition (ring version) v?
//                                             The answer says where to
//                                             resume, or that it is complete
//   transfer_batch_v1 -> transfer_batch_ack_v1  objects merged by causality
//                                             by the target's vnode, which
//                                             then records `last_key` as the
//                                             resume point
//   transfer_done_v1  -> transfer_confirm_v1  everything was sent: the target
//                                             records the partition complete
//
// The offer/confirm round makes a transfer idempotent: a source that
// restarts re-offers and resumes after the last acknowledged batch; a target
// that already confirmed answers `complete`. Batches of one source arrive in
// order (one sender, one receiver), so the resume point only moves forward.
//
// Errors: unavailable (the target does not know that transition yet: retry
// later), wrong_node (the target does not gain that partition in that
// transition), storage_failure.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "messages/inspect.hpp"
#include "messages/object.hpp"

namespace dkv {

struct transfer_offer_v1 {
  uint32_t partition = 0;
  uint64_t ring_version = 0;
  std::string source;
};

struct transfer_accept_v1 {
  bool complete = false;    // already received and confirmed
  bool resume = false;      // resume after `resume_after`
  std::string resume_after; // the last key of the last batch merged
};

struct transfer_batch_v1 {
  uint32_t partition = 0;
  uint64_t ring_version = 0;
  std::vector<object> objects; // ascending keys
  std::string last_key;
};

struct transfer_batch_ack_v1 {
  uint64_t merged = 0;
};

struct transfer_done_v1 {
  uint32_t partition = 0;
  uint64_t ring_version = 0;
  uint64_t keys = 0;
};

struct transfer_confirm_v1 {
  uint64_t keys = 0; // keys the target merged over the whole transfer
};

DKV_INSPECT(transfer_offer_v1, x.partition, x.ring_version, x.source)
DKV_INSPECT(transfer_accept_v1, x.complete, x.resume, x.resume_after)
DKV_INSPECT(transfer_batch_v1, x.partition, x.ring_version, x.objects,
            x.last_key)
DKV_INSPECT(transfer_batch_ack_v1, x.merged)
DKV_INSPECT(transfer_done_v1, x.partition, x.ring_version, x.keys)
DKV_INSPECT(transfer_confirm_v1, x.keys)

/// Meta key of a target's progress on partition p (storage, persisted).
inline std::string transfer_meta_key(uint32_t partition) {
  return "transfer.v1." + std::to_string(partition);
}

/// A target's progress on one partition in one transition.
struct transfer_progress {
  uint64_t ring_version = 0;
  bool complete = false;
  std::string last_key; // resume after it (when not complete)
};

/// The persisted form: "<ring version> c <last key>" or "<ring version> d "
/// (storage/FORMAT.md). The key is the rest, so it may hold any byte.
inline std::string encode(const transfer_progress& x) {
  return std::to_string(x.ring_version) + (x.complete ? " d " : " c ")
         + (x.complete ? std::string{} : x.last_key);
}

/// False (and `out` untouched) if `text` is not an encoded progress.
inline bool decode(const std::string& text, transfer_progress& out) {
  auto space = text.find(' ');
  if (space == 0 || space == std::string::npos || space + 3 > text.size()
      || text[space + 2] != ' ')
    return false;
  for (size_t i = 0; i < space; ++i)
    if (text[i] < '0' || text[i] > '9')
      return false;
  auto state = text[space + 1];
  if (state != 'c' && state != 'd')
    return false;
  out.ring_version = std::strtoull(text.substr(0, space).c_str(), nullptr, 10);
  out.complete = state == 'd';
  out.last_key = out.complete ? std::string{} : text.substr(space + 3);
  return true;
}

} // namespace dkv
