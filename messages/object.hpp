#pragma once

// A stored object: a key and its siblings (paper §4.4). Pure value types and
// logic: no actors, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"

#include "messages/version_vector.hpp"

namespace dkv {

/// One version of a key: a value or a tombstone, written as event `event`
/// over the causal past `past`.
struct sibling {
  dot event;
  version_vector past;
  bool tombstone = false;
  std::string value; // empty for a tombstone
  uint64_t timestamp_ms = 0; // wall clock at the coordinator; informative only

  friend bool operator==(const sibling& x, const sibling& y) {
    return x.event == y.event && x.past == y.past
           && x.tombstone == y.tombstone && x.value == y.value
           && x.timestamp_ms == y.timestamp_ms;
  }
  friend bool operator!=(const sibling& x, const sibling& y) {
    return !(x == y);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sibling& x) {
  return f(caf::meta::type_name("sibling"), x.event, x.past, x.tombstone,
           x.value, x.timestamp_ms);
}

/// A key with its causally maximal siblings, sorted by dot (so equal states
/// have equal encodings and equal Merkle hashes). An object without siblings
/// means "not found".
struct object {
  std::string key;
  std::vector<sibling> siblings;

  friend bool operator==(const object& x, const object& y) {
    return x.key == y.key && x.siblings == y.siblings;
  }
  friend bool operator!=(const object& x, const object& y) {
    return !(x == y);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, object& x) {
  return f(caf::meta::type_name("object"), x.key, x.siblings);
}

// -- logic (object.cpp) -------------------------------------------------------

/// The full clock of a sibling: its past plus its own dot.
version_vector clock_of(const sibling& s);

/// The causal context a client receives for `obj`: the merge of every
/// sibling's clock (tombstones included, so a later put supersedes them).
version_vector context_of(const object& obj);

/// Syntactic reconciliation: the union of both sibling sets without
/// duplicates (same dot) and without siblings whose dot another sibling's
/// clock covers. Commutative, associative and idempotent. Two siblings that
/// each cover the other's dot (only possible if a dot was issued twice) are
/// both kept rather than both dropped. REQUIRES: both objects have the same
/// key (the result takes `x.key`, or `y.key` if `x.key` is empty).
object reconcile(const object& x, const object& y);

/// Parameters of a new write at its coordinator.
struct write_request {
  version_vector context;          // what the client had seen
  std::optional<std::string> value; // nothing = delete (tombstone)
  replica_id coordinator = 0;      // the incarnation issuing the dot
  uint64_t now_ms = 0;
  size_t max_clock_entries = default_max_clock_entries;
};

/// Applies a new write to `stored` (the coordinator's local state of the
/// key): adds the new sibling with a fresh dot from `req.coordinator` (one
/// above any counter of it in `stored` or `req.context`) over the past
/// `req.context`, drops every sibling that past covers and keeps the others
/// as concurrent siblings. The past gets timestamps for entries that lack
/// them (from `stored`'s clocks, else `req.now_ms`) and is pruned to
/// `req.max_clock_entries` entries, never dropping the coordinator's; what
/// it covers after pruning decides what the write supersedes, so the result
/// equals reconcile(stored, the new sibling) on every replica. Returns the
/// new object and stores the new sibling's dot in `new_dot` when given.
/// REQUIRES: `req.coordinator` holds its own latest write to this key in
/// `stored` (or in `req.context`), otherwise it may reissue a dot.
object apply_write(const object& stored, const write_request& req,
                   dot* new_dot = nullptr);

/// The context a put returns: the clock of the newest sibling written by
/// `coordinator` (what the client saw plus its own write, and nothing else:
/// a concurrent sibling it never saw stays uncovered).
version_vector written_context(const object& obj, replica_id coordinator);

/// The values a get returns: every non-tombstone sibling's value, in sibling
/// order. Empty if there are none (not found or deleted).
std::vector<std::string> live_values(const object& obj);

/// True iff every sibling is a tombstone (and there is at least one).
bool is_deleted(const object& obj);

/// True iff `x` holds every sibling of `y` or something that supersedes it,
/// i.e. reconcile(x, y) == x.
bool descends(const object& x, const object& y);

} // namespace dkv
