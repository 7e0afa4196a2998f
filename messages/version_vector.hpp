#pragma once

// Version vectors with dots (paper §4.4; Preguiça et al., "Dotted Version
// Vectors"). Pure value types and logic: no actors, no I/O.
//
// Every write creates one *dot*: (replica, counter), a globally unique event.
// A sibling carries its dot plus the version vector it was written over (its
// causal past). A sibling is obsolete iff another sibling's clock (past + own
// dot) covers its dot. Because the dot, not the whole vector, decides
// obsolescence, two clients writing with stale contexts through the same
// coordinator yield exactly as many siblings as truly concurrent writes
// (no sibling explosion, basho/riak_kv#746).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"

namespace dkv {

/// Identifies one incarnation of one node's data directory. Drawn at random
/// when a data directory is created, so a node whose disk was wiped never
/// reuses the counters of its former self (basho/riak_kv#679).
using replica_id = uint64_t;

/// One entry of a version vector: the highest counter seen from `id`, and the
/// wall-clock time (ms since epoch) when that counter was issued, for pruning.
struct clock_entry {
  replica_id id = 0;
  uint64_t counter = 0;
  uint64_t timestamp_ms = 0;

  friend bool operator==(const clock_entry& x, const clock_entry& y) {
    return x.id == y.id && x.counter == y.counter
           && x.timestamp_ms == y.timestamp_ms;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, clock_entry& x) {
  return f(caf::meta::type_name("clock_entry"), x.id, x.counter,
           x.timestamp_ms);
}

/// One write event.
struct dot {
  replica_id id = 0;
  uint64_t counter = 0;

  friend bool operator==(const dot& x, const dot& y) {
    return x.id == y.id && x.counter == y.counter;
  }
  friend bool operator!=(const dot& x, const dot& y) { return !(x == y); }
  friend bool operator<(const dot& x, const dot& y) {
    return x.id != y.id ? x.id < y.id : x.counter < y.counter;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dot& x) {
  return f(caf::meta::type_name("dot"), x.id, x.counter);
}

/// A causal context: the events seen, as contiguous counters per id plus
/// isolated dots beyond them (a "dot cloud"). The cloud keeps contexts exact:
/// a client that saw write (r, 5) but not the concurrent (r, 4) holds
/// {r: 3} + {(r, 5)}, which does not cover (r, 4). Without it, a client
/// reusing the context its put returned would silently supersede a
/// concurrent sibling it never saw.
/// Invariants: entries sorted by id, one per id, no zero counters; `extra`
/// sorted, unique, every dot beyond its id's counter + 1.
struct version_vector {
  std::vector<clock_entry> entries;
  std::vector<dot> extra;

  friend bool operator==(const version_vector& x, const version_vector& y);
  friend bool operator!=(const version_vector& x, const version_vector& y) {
    return !(x == y);
  }
};

inline bool operator==(const version_vector& x, const version_vector& y) {
  return x.entries == y.entries && x.extra == y.extra;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_vector& x) {
  return f(caf::meta::type_name("version_vector"), x.entries, x.extra);
}

/// Causal relation of two version vectors.
enum class causal_order { before, after, equal, concurrent };

const char* to_string(causal_order x);

/// Default bound on version-vector entries. The paper (§4.4) names 10, but
/// every pruned entry is causality lost: an old version that a pruned clock
/// no longer covers comes back as a sibling (a resurrected delete). Here a
/// key gains an entry per coordinating vnode and per restart of it (fresh
/// epochs, actors/detail/clock_epochs.hpp), and the chaos test (40,000
/// operations, 28 kills) found resurrected deletes at 10 and none with no
/// bound. 50 is Riak's default too (small_vclock / big_vclock).
constexpr size_t default_max_clock_entries = 50;

// -- operations on version vectors (version_vector.cpp) ----------------------

/// The contiguous counter of `id` in `vv`, 0 if absent.
uint64_t counter_of(const version_vector& vv, replica_id id);

/// The highest counter of `id` seen at all (contiguous or in the cloud).
uint64_t max_counter_of(const version_vector& vv, replica_id id);

/// True iff `vv` has seen the event `d`.
bool covers(const version_vector& vv, const dot& d);

/// Raises `vv` to include `d` (stamped with `timestamp_ms`).
void add_dot(version_vector& vv, const dot& d, uint64_t timestamp_ms);

/// Pointwise maximum: `into` becomes the least upper bound of both.
void merge_into(version_vector& into, const version_vector& other);

/// Compares two version vectors: `before` means x < y (y descends from x).
causal_order compare(const version_vector& x, const version_vector& y);

/// Drops the entries with the oldest timestamps until at most `max_entries`
/// remain; never drops the entry of `keep` (the sibling's own writer).
void prune(version_vector& vv, size_t max_entries, replica_id keep = 0);

/// Encodes `vv` (ids and counters; timestamps are not part of a context) as
/// printable text safe for a shell and a JSON string (base64url, no padding).
std::string encode_context(const version_vector& vv);

/// Decodes text from `encode_context`. Returns nothing for any malformed text
/// (wrong alphabet, padding, truncated or overlong varints, unsorted or
/// duplicate ids, zero counters, counters above 2^62, more than 4096 entries,
/// trailing bytes); the empty string decodes to the empty vector, and is its
/// only spelling. Decoded entries carry no timestamps (zero).
std::optional<version_vector> decode_context(const std::string& text);

} // namespace dkv
