#include "messages/object.hpp"

#include <algorithm>
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

bool by_dot(const sibling& x, const sibling& y) {
  return x.event < y.event;
}

/// A total order on siblings with the same dot. They come from one write and
/// should be identical; if a bug or a corrupt peer makes them differ, every
/// replica still picks the same one, so replicas converge.
bool preferred(const sibling& x, const sibling& y) {
  auto key = [](const sibling& s) {
    return std::tie(s.tombstone, s.value, s.timestamp_ms);
  };
  if (key(x) != key(y))
    return key(x) < key(y);
  return std::lexicographical_compare(
    x.past.entries.begin(), x.past.entries.end(), y.past.entries.begin(),
    y.past.entries.end(), [](const clock_entry& a, const clock_entry& b) {
      return std::tie(a.id, a.counter, a.timestamp_ms)
             < std::tie(b.id, b.counter, b.timestamp_ms);
    });
}

/// True iff some sibling other than `s` has seen `s`'s write.
bool obsolete(const sibling& s, const std::vector<sibling>& all) {
  for (auto& other : all) {
    if (other.event == s.event)
      continue;
    if (covers(other.past, s.event))
      return true;
  }
  return false;
}

std::vector<sibling> maximal(std::vector<sibling> all) {
  std::sort(all.begin(), all.end(), [](const sibling& x, const sibling& y) {
    return x.event != y.event ? x.event < y.event : preferred(x, y);
  });
  // Same dot twice: keep the first (the preferred one).
  all.erase(std::unique(all.begin(), all.end(),
                        [](const sibling& x, const sibling& y) {
                          return x.event == y.event;
                        }),
            all.end());
  std::vector<sibling> result;
  for (auto& s : all)
    if (!obsolete(s, all))
      result.push_back(s);
  return result;
}

} // namespace

object reconcile(const object& x, const object& y) {
  std::vector<sibling> all;
  all.reserve(x.siblings.size() + y.siblings.size());
  all.insert(all.end(), x.siblings.begin(), x.siblings.end());
  all.insert(all.end(), y.siblings.begin(), y.siblings.end());
  object result;
  result.key = x.key.empty() ? y.key : x.key;
  result.siblings = maximal(std::move(all));
  return result;
}

object apply_write(const object& stored, const write_request& req,
                   dot* new_dot) {
  uint64_t top = max_counter_of(req.context, req.coordinator);
  for (auto& s : stored.siblings)
    top = std::max(top, max_counter_of(clock_of(s), req.coordinator));
  sibling fresh;
  fresh.event = dot{req.coordinator, top + 1};
  fresh.past = req.context;
  prune(fresh.past, req.max_clock_entries, req.coordinator);
  fresh.tombstone = !req.value.has_value();
  if (req.value)
    fresh.value = *req.value;
  fresh.timestamp_ms = req.now_ms;
  object result;
  result.key = stored.key;
  for (auto& s : stored.siblings)
    if (!covers(req.context, s.event))
      result.siblings.push_back(s);
  result.siblings.push_back(fresh);
  std::sort(result.siblings.begin(), result.siblings.end(), by_dot);
  if (new_dot)
    *new_dot = fresh.event;
  return result;
}

version_vector written_context(const object& obj, replica_id coordinator) {
  const sibling* newest = nullptr;
  for (auto& s : obj.siblings)
    if (s.event.id == coordinator
        && (!newest || newest->event.counter < s.event.counter))
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
  return !obj.siblings.empty()
         && std::all_of(obj.siblings.begin(), obj.siblings.end(),
                        [](const sibling& s) { return s.tombstone; });
}

bool descends(const object& x, const object& y) {
  for (auto& s : y.siblings) {
    bool seen = false;
    for (auto& t : x.siblings) {
      if (t.event == s.event || covers(t.past, s.event)) {
        seen = true;
        break;
      }
    }
    if (!seen)
      return false;
  }
  return true;
}

} // namespace dkv
