#pragma once

// Per-key epochs (as in Riak 2.1's vnode epochs): which clock id a vnode
// coordinates a write with. Pure logic.
//
// A dot must never be issued twice: a coordinator takes the next counter of
// its id from its local copy of the key, which is only safe while that copy
// holds every dot it issued under that id. The copy can lose them: the key
// was reaped (its tombstone removed everywhere), another replica's pruning
// dropped the entry, or a substitute coordinates without a copy. So an id
// is only continued while the local copy still shows it; otherwise the
// vnode takes a fresh epoch, an id it never used before:
//
//   id = epoch_tag(incarnation) | epoch        (epoch 1, 2, ... per
//                                                partition, persisted)
//
// "Shows it" is not enough once a copy has been gone: after a reap the copy
// is rebuilt by merges whose clocks may carry an older counter of the id,
// from a client's context older than the delete. So the vnode also takes a
// fresh epoch for a key it reaped (until it writes it again), and for
// every key after its own restart (the last writes before a crash may not
// have reached the disk; a retired partition coming back is a new vnode
// too). A key gains at most one clock entry per such event.
//
// Pruning can also hide only the newest counter: a version whose clock lost
// the id supersedes the sibling that showed counter 5, while a concurrent
// sibling still shows counter 3. The vnode sees its copy go from 5 to 3
// (hides_own_counter) and takes a fresh epoch for that key as well.
//
// Keys never move between partitions, so per-partition epochs cannot meet
// on one key. Fresh epochs grow, so the highest own id in a copy is the one
// written last. Ids written before epochs existed (the whole incarnation)
// carry another tag: they are never continued, a key holding one just gets
// a fresh epoch.

#include <cstdint>

#include "messages/object.hpp"

namespace dkv::detail {

constexpr uint64_t epoch_tag_mask = 0xFFFFFFFF00000000ull;

/// The tag of this node's epoch ids: the incarnation's high half, flipped so
/// that it differs from the pre-epoch id (the incarnation itself).
constexpr uint64_t epoch_tag(replica_id incarnation) {
  return (incarnation ^ 0x5A5A5A5A00000000ull) & epoch_tag_mask;
}

/// The clock id of `epoch` for the node of `incarnation`.
constexpr replica_id epoch_id(replica_id incarnation, uint32_t epoch) {
  return epoch_tag(incarnation) | epoch;
}

/// The epoch number of an epoch id.
constexpr uint32_t epoch_of(replica_id id) {
  return static_cast<uint32_t>(id & ~epoch_tag_mask);
}

/// True if `id` is one of this node's epoch ids.
constexpr bool own_id(replica_id id, replica_id incarnation) {
  return (id & epoch_tag_mask) == epoch_tag(incarnation) && id != 0;
}

/// The id to continue on `stored` (the vnode's local copy): the highest
/// own id among its clocks and dots, whose newest epoch is the one written
/// last; 0 if the copy shows none (take a fresh epoch).
replica_id own_writer(const object& stored, replica_id incarnation);

/// True if `after` (the copy once a version from elsewhere was merged)
/// shows a lower newest counter of `before`'s own_writer() id than
/// `before` did: continuing that id would issue a counter again.
bool hides_own_counter(const object& before, const object& after,
                       replica_id incarnation);

/// The context covering the newest write of this node in `obj` (what a put
/// answers): written_context() for own_writer()'s id.
version_vector own_written_context(const object& obj, replica_id incarnation);

} // namespace dkv::detail
