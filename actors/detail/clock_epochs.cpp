#include "actors/detail/clock_epochs.hpp"

#include <algorithm>

namespace dkv::detail {

replica_id own_writer(const object& stored, replica_id incarnation) {
  replica_id best = 0;
  auto consider = [&](replica_id id) {
    if (id != 0 && own_id(id, incarnation))
      best = std::max(best, id);
  };
  for (auto& s : stored.siblings) {
    consider(s.event.id);
    for (auto& e : s.past.entries)
      consider(e.id);
    for (auto& d : s.past.extra)
      consider(d.id);
  }
  return best;
}

bool hides_own_counter(const object& before, const object& after,
                       replica_id incarnation) {
  auto id = own_writer(before, incarnation);
  return id != 0
         && max_counter_of(context_of(after), id)
              < max_counter_of(context_of(before), id);
}

version_vector own_written_context(const object& obj, replica_id incarnation) {
  // The newest sibling of this node: highest id (newest epoch), then the
  // highest counter, as written_context() picks within one id.
  replica_id newest = 0;
  for (auto& s : obj.siblings)
    if (own_id(s.event.id, incarnation))
      newest = std::max(newest, s.event.id);
  return written_context(obj, newest);
}

} // namespace dkv::detail
