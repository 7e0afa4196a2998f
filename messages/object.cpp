#include "messages/object.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

namespace dkv {

version_vector clock_of(const sibling& s) {
  auto result = s.past;
  add_dot(result, s.event, s.timestamp_ms);
  return result;
}

version_vector context_of(const object& obj) {
  version_vector result;
  for (auto& s : obj.siblings)
    merge_into(result, clock_of(s));
  return result;
}

namespace {

/// A total order on siblings with the same dot. They come from one write and
/// should be identical; if a bug or a corrupt peer makes them differ, every
/// replica still picks the same one, so replicas converge.
bool preferred(const sibling& x, const sibling& y) {
  auto key = [](const sibling& s) {
    return std::tie(s.tombstone, s.value, s.timestamp_ms);
  };
  if (key(x) != key(y))
    return key(x) < key(y);
  auto entry_less = [](const clock_entry& a, const clock_entry& b) {
    return std::tie(a.id, a.counter, a.timestamp_ms) <
           std::tie(b.id, b.counter, b.timestamp_ms);
  };
  auto& xe = x.past.entries;
  auto& ye = y.past.entries;
  if (std::lexicographical_compare(xe.begin(), xe.end(), ye.begin(), ye.end(),
                                   entry_less))
    return true;
  if (std::lexicographical_compare(ye.begin(), ye.end(), xe.begin(), xe.end(),
                                   entry_less))
    return false;
  return x.past.extra < y.past.extra;
}

/// True iff `t` has seen the write of `s`, so `s` is obsolete. In a correct
/// history two writes never have seen each other; they only seem to if a dot
/// was issued twice (e.g. a coordinator whose counters were pruned away).
/// Keeping both as siblings then beats dropping both and losing the key.
bool supersedes(const sibling& t, const sibling& s) {
  return t.event != s.event && covers(t.past, s.event) &&
         !covers(s.past, t.event);
}

/// The causally maximal siblings of `all`, one per dot, sorted by dot.
/// Works on pointers so that callers copy only the survivors (values can be
/// large).
std::vector<const sibling*> maximal(std::vector<const sibling*> all) {
  std::sort(all.begin(), all.end(), [](const sibling* x, const sibling* y) {
    return x->event != y->event ? x->event < y->event : preferred(*x, *y);
  });
  all.erase(std::unique(all.begin(), all.end(),
                        [](const sibling* x, const sibling* y) {
                          return x->event == y->event;
                        }),
            all.end());
  std::vector<const sibling*> result;
  for (auto s : all)
    if (std::none_of(all.begin(), all.end(),
                     [s](const sibling* t) { return supersedes(*t, *s); }))
      result.push_back(s);
  return result;
}

void add_all(std::vector<const sibling*>& out, const object& x) {
  for (auto& s : x.siblings)
    out.push_back(&s);
}

std::vector<sibling> copy_all(const std::vector<const sibling*>& xs) {
  std::vector<sibling> result;
  result.reserve(xs.size());
  for (auto s : xs)
    result.push_back(*s);
  return result;
}

/// Client contexts carry no timestamps (they only say what was seen), yet
/// pruning must drop the *oldest* entries: with zeros it would drop the
/// lowest ids, and a new write could stop superseding its parent. So take
/// the time from this replica's own clock, which knows when each counter it
/// has seen was issued (a later counter's time is a safe upper bound). A
/// counter it has not seen yet is most likely recent: `now_ms`.
void restore_timestamps(version_vector& past, const version_vector& known,
                        uint64_t now_ms) {
  for (auto& e : past.entries) {
    if (e.timestamp_ms != 0)
      continue;
    auto i = std::lower_bound(
        known.entries.begin(), known.entries.end(), e.id,
        [](const clock_entry& k, replica_id id) { return k.id < id; });
    bool seen = i != known.entries.end() && i->id == e.id &&
                i->counter >= e.counter && i->timestamp_ms != 0;
    e.timestamp_ms = seen ? i->timestamp_ms : now_ms;
  }
}

} // namespace

object reconcile(const object& x, const object& y) {
  std::vector<const sibling*> all;
  all.reserve(x.siblings.size() + y.siblings.size());
  add_all(all, x);
  add_all(all, y);
  object result;
  result.key = x.key.empty() ? y.key : x.key;
  result.siblings = copy_all(maximal(std::move(all)));
  return result;
}

object apply_write(const object& stored, const write_request& req,
                   dot* new_dot) {
  auto known = context_of(stored);
  // A reissued dot would pass for the old write, so the new counter tops
  // every counter of this coordinator seen anywhere, including isolated
  // dots (a contiguous counter alone would miss (c, 3) held as a cloud dot).
  auto top = std::max(max_counter_of(known, req.coordinator),
                      max_counter_of(req.context, req.coordinator));
  sibling fresh;
  // Saturate rather than wrap to the invalid counter 0. decode_context caps
  // client counters at 2^62, so only a corrupt record could get here.
  fresh.event = dot{req.coordinator,
                    top < std::numeric_limits<uint64_t>::max() ? top + 1 : top};
  fresh.past = req.context;
  restore_timestamps(fresh.past, known, req.now_ms);
  prune(fresh.past, req.max_clock_entries, req.coordinator);
  fresh.tombstone = !req.value.has_value();
  if (req.value)
    fresh.value = *req.value;
  fresh.timestamp_ms = req.now_ms;
  // What this write supersedes is decided by its stored (pruned) past, not
  // by the raw context: every replica receiving the new sibling computes the
  // same state as this coordinator, so their Merkle trees agree at once.
  std::vector<const sibling*> all;
  all.reserve(stored.siblings.size() + 1);
  add_all(all, stored);
  all.push_back(&fresh);
  object result;
  result.key = stored.key;
  result.siblings = copy_all(maximal(std::move(all)));
  if (new_dot)
    *new_dot = fresh.event;
  return result;
}

version_vector written_context(const object& obj, replica_id coordinator) {
  const sibling* newest = nullptr;
  for (auto& s : obj.siblings)
    if (s.event.id == coordinator &&
        (!newest || newest->event.counter < s.event.counter))
      newest = &s;
  return newest ? clock_of(*newest) : context_of(obj);
}

std::vector<std::string> live_values(const object& obj) {
  std::vector<std::string> result;
  for (auto& s : obj.siblings)
    if (!s.tombstone)
      result.push_back(s.value);
  return result;
}

bool is_deleted(const object& obj) {
  return !obj.siblings.empty() &&
         std::all_of(obj.siblings.begin(), obj.siblings.end(),
                     [](const sibling& s) { return s.tombstone; });
}

bool descends(const object& x, const object& y) {
  // Exactly reconcile(x, y) == x, without copying values: a looser test
  // (every sibling of y seen by x) misses the corner cases where reconcile
  // would still change x, and read repair would then never converge them.
  std::vector<const sibling*> all;
  all.reserve(x.siblings.size() + y.siblings.size());
  add_all(all, x);
  add_all(all, y);
  auto merged = maximal(std::move(all));
  return std::equal(merged.begin(), merged.end(), x.siblings.begin(),
                    x.siblings.end(),
                    [](const sibling* m, const sibling& s) { return *m == s; });
}

} // namespace dkv
